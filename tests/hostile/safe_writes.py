#!/usr/bin/env python3
"""What `rigc build` does to the disk when things go wrong.

  safe_writes.py RIGC [KILLS] [--selftest]

  kills      SIGKILL at random points while a build replaces many files (KILLS
             times, default 20): every file is whole, old or new, never partial;
             a new manifest means every file is new; the next build cleans up.
  read-only  a read-only output directory (a tmpfs remounted read-only as root,
             permissions otherwise): exit 2, a message, every old file intact.
  full       a full file system (a tiny tmpfs, root only): exit 2, a message, every
             old file intact, no temporary file left; a build after freeing space
             succeeds.
  symlinks   a symbolic link inside the output directory (a subdirectory, a file,
             the manifest) is never written through.
  check      `rigc check` (and plan, graph) write nothing: the whole tree, with
             inodes and mtimes, is the same before and after, in every state.
  manifest   a manifest edited to list '../x', absolute paths, paths through a
             symbolic link: build deletes and touches nothing outside.
  workflow   `ci-workflow`, the one file written outside the output directory: into
             .github/workflows/ of the repository (the nearest directory with a
             .git) and nowhere else: never through a link (.github, workflows, the
             file), never over a file the manifest does not list (hand-written, or
             another spec's) without --force, a renamed workflow's old file removed,
             no repository: a located error and nothing written; manifest entries
             ':/…' other than .github/workflows/NAME.yml touch nothing.

--selftest first proves that each section fails on careless_writer.py.
"""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

FAILURES = []
NOTES = []


def fail(message):
    FAILURES.append(message)


def spec(first, count, tag):
    text = f"defaults {{\n  tag {tag}\n}}\n"
    for i in range(first, first + count):
        text += f"\nimage app{i} {{\n  apt curl\n  env INDEX={i}\n}}\n"
    return text


def write_spec(work, text):
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "Rigfile"), "w") as f:
        f.write(text)


def rigc_run(rigc, work, *args):
    return subprocess.run([rigc, *args], cwd=work, capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"))


def files_of(path):
    """Every regular file under `path` with its bytes, temporary files apart."""
    files, leftovers = {}, []
    for base, _, names in os.walk(path):
        for name in names:
            full = os.path.join(base, name)
            rel = os.path.relpath(full, path)
            if ".rigc-tmp-" in name:
                leftovers.append(rel)
                continue
            with open(full, "rb") as f:
                files[rel] = f.read()
    return files, leftovers


def listing(path, directories=True):
    """Every entry under `path` with what a write would change (files only, or
    directories too: a temporary file created and removed changes their mtime)."""
    out = {}
    for base, dirs, names in os.walk(path):
        for name in (dirs if directories else []) + names:
            full = os.path.join(base, name)
            st = os.lstat(full)
            out[os.path.relpath(full, path)] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_mode)
    if directories:
        st = os.lstat(path)
        out["."] = (st.st_ino, st.st_mtime_ns, st.st_mode)
    return out


def manifest_entries(text):
    """The (hash, path) entries of a manifest's bytes."""
    entries = set()
    for line in text.decode().splitlines():
        if line and not line.startswith("#"):
            digest, path = line.split("  ", 1)
            entries.add((digest, path))
    return entries


def reference(rigc, tmp, name, text):
    work = os.path.join(tmp, name)
    write_spec(work, text)
    r = rigc_run(rigc, work, "build")
    if r.returncode != 0:
        raise SystemExit(f"reference build {name} failed:\n{r.stderr}")
    return files_of(os.path.join(work, "docker"))[0]


# --- kills -----------------------------------------------------------------

def kills(rigc, tmp, count):
    old_text, new_text = spec(0, 80, "one"), spec(40, 80, "two")
    old, new = reference(rigc, tmp, "ref-old", old_text), reference(rigc, tmp, "ref-new", new_text)
    work = os.path.join(tmp, "kills")
    write_spec(work, old_text)
    if rigc_run(rigc, work, "build").returncode != 0:
        return fail("kills: the first build failed")
    # How long a whole replacement takes, so the kills land all over it.
    write_spec(work, new_text)
    start = time.monotonic()
    rigc_run(rigc, work, "build")
    duration = time.monotonic() - start
    rng = random.Random(20240611)
    outcomes = {"old": 0, "new": 0, "mixed": 0}
    texts = [(old_text, old), (new_text, new)]
    for i in range(count):
        text, target = texts[i % 2]
        write_spec(work, text)
        manifest_before = files_of(os.path.join(work, "docker"))[0].get(".rigc-manifest")
        process = subprocess.Popen([rigc, "build"], cwd=work, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, duration * 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        files, _ = files_of(os.path.join(work, "docker"))
        for name, content in files.items():
            if name == ".rigc-manifest":
                continue  # below
            if content != old.get(name) and content != new.get(name):
                fail(f"kills: after kill {i + 1}, {name} is neither the old nor the new file "
                     f"({len(content)} bytes)")
        manifest = files.get(".rigc-manifest")
        # Before renaming a file the manifest on disk does not list, a build
        # replaces it with an interim one that lists those too (with the target's
        # hashes); otherwise the manifest is the one before or the target's.
        listed = manifest_entries(manifest_before)
        known = {path for _, path in listed}
        interim = listed | {(hashlib.sha256(content).hexdigest(), name)
                            for name, content in target.items()
                            if name != ".rigc-manifest" and name not in known}
        if manifest not in (manifest_before, target[".rigc-manifest"]) and (
                b"an interim manifest" not in manifest or manifest_entries(manifest) != interim):
            fail(f"kills: after kill {i + 1}, the manifest is neither the one before, the "
                 f"target's nor the interim one")
        # So every file on disk is in the manifest: the next build can remove it.
        orphans = sorted(set(files) - {".rigc-manifest"} -
                         {path for _, path in manifest_entries(manifest)})
        if orphans:
            fail(f"kills: after kill {i + 1}, {orphans[:3]} are not in the manifest")
        # The manifest is replaced last, after every file and the removal of the stale
        # ones: once this build has made it the target's, every file is the target's.
        replaced = manifest_before != manifest == target[".rigc-manifest"]
        if replaced and files != target:
            fail(f"kills: after kill {i + 1}, the manifest is the target's but not every file is")
        # A file both specs produce is replaced, never removed.
        vanished = [n for n in old if n in new and n not in files]
        if vanished:
            fail(f"kills: after kill {i + 1}, {vanished[:3]} vanished")
        outcomes["old" if files == old else "new" if files == new else "mixed"] += 1
    write_spec(work, new_text)
    r = rigc_run(rigc, work, "build")
    files, leftovers = files_of(os.path.join(work, "docker"))
    if r.returncode != 0 or files != new:
        differ = sorted(n for n in set(files) | set(new) if files.get(n) != new.get(n))
        fail(f"kills: the build after the kills did not produce the new files ({differ[:3]}):\n"
             f"{r.stderr}")
    if leftovers:
        fail(f"kills: temporary files left after a complete build: {leftovers[:3]}")
    NOTES.append(f"kills: {count} SIGKILLs over a {duration:.2f}s build of {len(new)} files: "
                 f"{outcomes['old']} left all old, {outcomes['new']} all new, "
                 f"{outcomes['mixed']} a mix of whole old and new files")


# --- read-only and full ----------------------------------------------------

def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                          capture_output=True).returncode == 0


def unmount(path):
    subprocess.run(["umount", path], capture_output=True)


def read_only(rigc, tmp):
    root = os.path.join(tmp, "ro")
    mounted = os.geteuid() == 0 and mount_tmpfs(root, "16m")
    if os.geteuid() == 0 and not mounted:
        NOTES.append("read-only: SKIPPED, running as root but mounting a tmpfs is not permitted")
        return
    try:
        write_spec(root, spec(0, 5, "one"))
        if rigc_run(rigc, root, "build").returncode != 0:
            return fail("read-only: the first build failed")
        write_spec(root, spec(0, 6, "two"))
        out = os.path.join(root, "docker")
        before = files_of(out)[0], listing(out, directories=False)
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", root], check=True)
        else:
            os.chmod(out, 0o555)
        r = rigc_run(rigc, root, "build")
        if r.returncode != 2 or "error" not in r.stderr:
            fail(f"read-only: exit {r.returncode}, expected 2 with a message:\n{r.stderr}")
        if (files_of(out)[0], listing(out, directories=False)) != before:
            fail("read-only: the old files changed")
        NOTES.append("read-only (" + ("a read-only tmpfs" if mounted else "mode 555") +
                     "): " + r.stderr.strip().splitlines()[-1])
    finally:
        if mounted:
            unmount(root)
        elif os.path.isdir(os.path.join(root, "docker")):
            os.chmod(os.path.join(root, "docker"), 0o755)


def full(rigc, tmp):
    if os.geteuid() != 0:
        NOTES.append("full: SKIPPED, filling a file system needs root to mount a small tmpfs")
        return
    root = os.path.join(tmp, "full")
    if not mount_tmpfs(root, "2m"):
        NOTES.append("full: SKIPPED, mounting a tmpfs is not permitted here")
        return
    try:
        write_spec(root, spec(0, 5, "one"))
        if rigc_run(rigc, root, "build").returncode != 0:
            return fail("full: the first build failed")
        write_spec(root, spec(0, 6, "two"))
        out = os.path.join(root, "docker")
        before = files_of(out)[0], listing(out, directories=False)
        filler = os.path.join(root, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(fd)
        r = rigc_run(rigc, root, "build")
        if r.returncode != 2 or "No space left on device" not in r.stderr:
            fail(f"full: exit {r.returncode}, expected 2 with 'No space left on device':\n{r.stderr}")
        after, leftovers = files_of(out)
        if (after, listing(out, directories=False)) != before:
            fail("full: the old files changed")
        if leftovers:
            fail(f"full: temporary files left behind: {leftovers}")
        os.remove(filler)
        r2 = rigc_run(rigc, root, "build")
        if r2.returncode != 0:
            fail(f"full: the build after freeing space failed:\n{r2.stderr}")
        NOTES.append("full (a 2 MiB tmpfs): " + r.stderr.strip().splitlines()[-1])
    finally:
        unmount(root)


# --- symbolic links ----------------------------------------------------------

def symlinks(rigc, tmp):
    outside = os.path.join(tmp, "outside")
    os.makedirs(outside)
    victim = os.path.join(outside, "victim")
    with open(victim, "w") as f:
        f.write("keep me\n")
    cases = {
        "a subdirectory": ("github", outside),
        "an output file": ("app0.Dockerfile", victim),
        "the manifest": (".rigc-manifest", victim),
    }
    for what, (name, target) in cases.items():
        work = os.path.join(tmp, "links-" + name.strip("."))
        write_spec(work, spec(0, 1, "one"))
        out = os.path.join(work, "docker")
        os.makedirs(out)
        os.symlink(target, os.path.join(out, name))
        before = listing(outside)
        contents = files_of(outside)[0]
        r = rigc_run(rigc, work, "build")
        if r.returncode != 2 or "symbolic link" not in r.stderr:
            fail(f"symlinks: {what} that is a link: exit {r.returncode}, expected 2:\n{r.stderr}")
        if listing(outside) != before or files_of(outside)[0] != contents:
            fail(f"symlinks: a build wrote through {what} that is a link")
        if sorted(os.listdir(out)) != [name]:
            fail(f"symlinks: a refused build wrote {sorted(os.listdir(out))}")


# --- check writes nothing -----------------------------------------------------

def check_writes_nothing(rigc, tmp):
    work = os.path.join(tmp, "check")
    write_spec(work, spec(0, 3, "one"))
    r = rigc_run(rigc, work, "check")  # no output directory yet
    if r.returncode != 1:
        fail(f"check (no output yet): exit {r.returncode}, expected 1")
    if os.path.exists(os.path.join(work, "docker")):
        fail("check: created the output directory")
    rigc_run(rigc, work, "build")
    for label, text, expected in (("up to date", spec(0, 3, "one"), 0),
                                  ("out of date", spec(1, 3, "two"), 1)):
        write_spec(work, text)
        before = listing(work)
        time.sleep(0.01)  # so that any write would move an mtime
        for args in (["check"], ["check", "--error-format", "github"], ["plan"], ["graph"]):
            r = rigc_run(rigc, work, *args)
            if args == ["check"] and r.returncode != expected:
                fail(f"check ({label}): exit {r.returncode}, expected {expected}")
            if listing(work) != before:
                fail(f"check ({label}): `rigc {' '.join(args)}` changed the tree")


# --- an edited manifest --------------------------------------------------------

def manifest_edits(rigc, tmp):
    work = os.path.join(tmp, "manifest", "repo")
    write_spec(work, spec(0, 2, "one"))
    if rigc_run(rigc, work, "build").returncode != 0:
        return fail("manifest: the first build failed")
    out = os.path.join(work, "docker")
    outside_dir = os.path.join(tmp, "manifest", "outside")
    os.makedirs(outside_dir)
    outside = os.path.join(outside_dir, "x")
    content = b"# Generated by rigc, or so it says\n"
    with open(outside, "wb") as f:
        f.write(content)
    os.symlink(outside_dir, os.path.join(out, "link"))
    digest = hashlib.sha256(content).hexdigest()
    # Absolute paths name a decoy in the scratch directory, never a file of the
    # machine: a regression must not be able to damage it.
    decoy = os.path.join(outside_dir, "passwd")
    with open(decoy, "wb") as f:
        f.write(content)
    entries = ["../../outside/x", "../x", outside, decoy, "sub/../../../outside/x",
               "./../../outside/x", "link/x", "..\\..\\outside\\x", "link/../../outside/x",
               "link/passwd"]
    with open(os.path.join(out, ".rigc-manifest"), "a") as f:
        for entry in entries:
            f.write(f"{digest}  {entry}\n")
    watched = {p: (os.lstat(p).st_ino, os.lstat(p).st_mtime_ns) for p in
               (outside, outside_dir, decoy)}
    write_spec(work, spec(0, 1, "two"))  # a build that removes a stale image too
    results = []
    for args in (["build"], ["build", "--force"]):
        r = rigc_run(rigc, work, *args)
        results.append(r.returncode)
        for path, stat in watched.items():
            if not os.path.exists(path) or (os.lstat(path).st_ino, os.lstat(path).st_mtime_ns) != stat:
                fail(f"manifest: `rigc {' '.join(args)}` touched {path}")
        for path in (outside, decoy):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    if f.read() != content:
                        fail(f"manifest: `rigc {' '.join(args)}` changed {path}")
        if not os.path.islink(os.path.join(out, "link")):
            fail(f"manifest: `rigc {' '.join(args)}` removed the link")
        if r.returncode == 2 and "link" not in r.stderr:
            fail(f"manifest: exit 2 without naming the link:\n{r.stderr}")
    NOTES.append(f"manifest: {len(entries)} hostile entries; build exited {results[0]}, "
                 f"build --force {results[1]}; nothing outside was touched")


# --- the workflow in the repository ------------------------------------------

def workflow_spec(name):
    return (f"defaults {{\n  ci-workflow .github/workflows/{name}\n}}\n"
            "image app {\n  apt curl\n}\n")


def workflow_repo(tmp, label, name="images.yml"):
    repo = os.path.join(tmp, "wf-" + label)
    os.makedirs(os.path.join(repo, ".git"))
    work = os.path.join(repo, "app")
    write_spec(work, workflow_spec(name))
    return repo, work


def workflow_links(rigc, tmp, outside, victim):
    for label, link, target in ((".github", ".github", outside),
                                ("workflows", ".github/workflows", outside),
                                ("the file", ".github/workflows/images.yml", victim)):
        repo, work = workflow_repo(tmp, "link-" + label.replace(" ", "-").strip("."))
        os.makedirs(os.path.dirname(os.path.join(repo, link)), exist_ok=True)
        os.symlink(target, os.path.join(repo, link))
        before = (listing(outside), files_of(outside)[0])
        r = rigc_run(rigc, work, "build")
        if r.returncode != 2 or "symbolic link" not in r.stderr:
            fail(f"workflow: {label} a link: exit {r.returncode}, expected 2:\n{r.stderr}")
        if (listing(outside), files_of(outside)[0]) != before:
            fail(f"workflow: a build wrote through {label} that is a link")
        if os.path.exists(os.path.join(work, "docker")):
            fail(f"workflow: a refused build ({label} a link) wrote the output directory")


def workflow_foreign(rigc, tmp):
    for label, content in (("hand-written", b"name: mine\n"),
                           ("another spec's", b"# Generated by rigc from Rigfile.\nname: x\n")):
        repo, work = workflow_repo(tmp, "foreign-" + label.split("-")[0].split("'")[0])
        path = os.path.join(repo, ".github", "workflows", "images.yml")
        os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(content)
        r = rigc_run(rigc, work, "build")
        if r.returncode != 2 or "refusing to overwrite" not in r.stderr:
            fail(f"workflow: over a {label} workflow: exit {r.returncode}, expected 2:\n{r.stderr}")
        with open(path, "rb") as f:
            if f.read() != content:
                fail(f"workflow: a build replaced a {label} workflow")
        r = rigc_run(rigc, work, "build", "--force")
        with open(path, "rb") as f:
            if r.returncode != 0 or b"Generated by rigc from Rigfile" not in f.read():
                fail(f"workflow: --force did not replace a {label} workflow: {r.stderr}")


def workflow_lifecycle(rigc, tmp, outside, decoy, content):
    repo, work = workflow_repo(tmp, "life")
    r = rigc_run(rigc, work, "build")
    first = os.path.join(repo, ".github", "workflows", "images.yml")
    if r.returncode != 0 or not os.path.isfile(first):
        return fail(f"workflow: the first build did not write {first}: {r.stderr}")
    if rigc_run(rigc, work, "check").returncode != 0:
        fail("workflow: check after build is not clean")
    with open(first, "a") as f:
        f.write("# edited\n")
    r = rigc_run(rigc, work, "check")
    if r.returncode != 1 or "images.yml" not in r.stdout:
        fail(f"workflow: check missed an edited workflow (exit {r.returncode})")
    digest = hashlib.sha256(content).hexdigest()
    entries = [":/../outside/x", ":/.github/../../outside/x", ":/.github/workflows/../../x.yml",
               ":/.github/workflows/sub/x.yml", ":/" + decoy, ":/x.yml", ":/.github/workflows/.x.yml",
               ":/.github/x.yml", ":/.git/config"]
    with open(os.path.join(work, "docker", ".rigc-manifest"), "a") as f:
        for entry in entries:
            f.write(f"{digest}  {entry}\n")
    for name in ("x.yml", ".x.yml"):
        os.makedirs(os.path.join(repo, ".github", "workflows", "sub"), exist_ok=True)
        with open(os.path.join(repo, ".github", "workflows", name), "wb") as f:
            f.write(content)
    with open(os.path.join(repo, ".git", "config"), "wb") as f:
        f.write(content)
    keep = [os.path.join(repo, ".github", "workflows", n) for n in ("x.yml", ".x.yml")]
    keep += [os.path.join(repo, ".git", "config"), decoy, os.path.join(outside, "x")]
    write_spec(work, workflow_spec("renamed.yml"))
    r = rigc_run(rigc, work, "build")
    renamed = os.path.join(repo, ".github", "workflows", "renamed.yml")
    if r.returncode != 0 or not os.path.isfile(renamed) or os.path.exists(first):
        fail(f"workflow: a renamed workflow: exit {r.returncode}, new written "
             f"{os.path.isfile(renamed)}, old removed {not os.path.exists(first)}:\n{r.stderr}")
    for path in keep:
        if not os.path.isfile(path):
            fail(f"workflow: a hostile manifest entry removed {path}")
    with open(os.path.join(work, "docker", ".rigc-manifest")) as f:
        if any(e in f.read() for e in entries):
            fail("workflow: the new manifest kept a hostile entry")


def workflow_outside_repository(rigc, tmp):
    work = os.path.join(tmp, "wf-norepo", "app")
    write_spec(work, workflow_spec("images.yml"))
    r = rigc_run(rigc, work, "build")
    if r.returncode != 2 or "Rigfile:2:" not in r.stderr or "no git repository" not in r.stderr:
        fail(f"workflow: no repository: exit {r.returncode}, expected 2 with a located error:\n"
             f"{r.stderr}")
    if os.listdir(work) != ["Rigfile"]:
        fail(f"workflow: no repository, yet a build wrote {sorted(os.listdir(work))}")


def workflow(rigc, tmp):
    outside = os.path.join(tmp, "wf-outside")
    os.makedirs(outside)
    content = b"# Generated by rigc, or so it says\n"
    victim = os.path.join(outside, "victim")
    decoy = os.path.join(outside, "passwd")
    for path in (victim, decoy, os.path.join(outside, "x")):
        with open(path, "wb") as f:
            f.write(content)
    workflow_links(rigc, tmp, outside, victim)
    workflow_foreign(rigc, tmp)
    workflow_lifecycle(rigc, tmp, outside, decoy, content)
    workflow_outside_repository(rigc, tmp)


SECTIONS = {
    "kills": lambda rigc, tmp, count: kills(rigc, tmp, count),
    "read-only": lambda rigc, tmp, count: read_only(rigc, tmp),
    "full": lambda rigc, tmp, count: full(rigc, tmp),
    "symlinks": lambda rigc, tmp, count: symlinks(rigc, tmp),
    "check": lambda rigc, tmp, count: check_writes_nothing(rigc, tmp),
    "manifest": lambda rigc, tmp, count: manifest_edits(rigc, tmp),
    "workflow": lambda rigc, tmp, count: workflow(rigc, tmp),
}


def selftest(rigc):
    """Every section must catch careless_writer.py, which writes in place, through
    links, during check, and wherever the manifest points."""
    careless = os.path.join(os.path.dirname(os.path.abspath(__file__)), "careless_writer.py")
    os.environ["RIGC_REAL"] = rigc
    missed = []
    for name, section in SECTIONS.items():
        before = len(FAILURES)
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["CARELESS_SANDBOX"] = os.path.realpath(tmp)
            section(careless, tmp, 5)
        if len(FAILURES) == before and not any(n.startswith(name) and "SKIPPED" in n
                                               for n in NOTES):
            missed.append(name)
        del FAILURES[before:]
    NOTES.clear()
    return missed


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    rigc = os.path.abspath(sys.argv[1])
    args = [a for a in sys.argv[2:] if a != "--selftest"]
    count = int(args[0]) if args else 20
    if "--selftest" in sys.argv[2:]:
        missed = selftest(rigc)
        if missed:
            print(f"selftest: the careless writer passes {', '.join(missed)}")
            return 1
        print(f"selftest: each of the {len(SECTIONS)} sections catches the careless writer")
    with tempfile.TemporaryDirectory() as tmp:
        for section in SECTIONS.values():
            section(rigc, tmp, count)
    for note in NOTES:
        print(note)
    for failure in FAILURES:
        print("FAIL:", failure)
    print(f"safe writes: {len(FAILURES)} failures")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
