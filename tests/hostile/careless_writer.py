#!/usr/bin/env python3
"""A deliberately careless stand-in for `rigc`, for `safe_writes.py --selftest`.

It compiles with the real rigc ($RIGC_REAL) into a scratch directory, then does
everything safe_writes.py guards against: it rewrites each output in place in two
halves (truncated, then half written), writes through symbolic links, ignores
errors, removes whatever the manifest lists, and lets `check` touch the files.
Careless, but confined: it never touches anything outside $CARELESS_SANDBOX (the
scratch directory of the test), so its carelessness can only be seen, not suffered.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time


def confined(path):
    sandbox = os.environ["CARELESS_SANDBOX"]
    real = os.path.realpath(path)
    return real == sandbox or real.startswith(sandbox + os.sep)


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else "build"
    out = "docker"
    if command in ("plan", "graph"):
        return 0
    if command == "check":
        for base, _, names in os.walk(out):
            for name in names:
                if confined(os.path.join(base, name)):
                    os.utime(os.path.join(base, name))  # "writes nothing"
        return 0
    manifest = os.path.join(out, ".rigc-manifest")
    listed = []
    if os.path.exists(manifest):
        with open(manifest) as f:
            listed = [line.split("  ", 1)[1].strip() for line in f if "  " in line and
                      not line.startswith("#")]
    with tempfile.TemporaryDirectory() as work:
        shutil.copy("Rigfile", os.path.join(work, "Rigfile"))
        os.mkdir(os.path.join(work, ".git"))  # so that a `ci-workflow` compiles
        r = subprocess.run([os.environ["RIGC_REAL"], "build", "Rigfile"], cwd=work,
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            return r.returncode
        scratch = os.path.join(work, "docker")
        produced = []
        for base, _, names in os.walk(scratch):
            for name in names:
                produced.append(os.path.relpath(os.path.join(base, name), scratch))
        # The workflow `ci-workflow` puts in the repository: copied to the nearest
        # directory with a .git, through whatever links are on the way; manifest
        # entries ":/PATH" removed from there, wherever they point.
        repo = os.getcwd()
        while not os.path.exists(os.path.join(repo, ".git")) and os.path.dirname(repo) != repo:
            repo = os.path.dirname(repo)
        for base, _, names in os.walk(os.path.join(work, ".github")):
            for name in names:
                rel = os.path.relpath(os.path.join(base, name), work)
                target = os.path.join(repo, rel)
                if confined(target):
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copyfile(os.path.join(base, name), target)
                produced.append(":/" + rel)
        for entry in listed:
            if entry.startswith(":/") and entry not in produced:
                if confined(os.path.join(repo, entry[2:])):
                    try:
                        os.remove(os.path.join(repo, entry[2:]))
                    except OSError:
                        pass
                continue
            if entry not in produced and confined(os.path.join(out, entry)):
                try:
                    os.remove(os.path.join(out, entry))
                except OSError:
                    pass
        for rel in sorted(p for p in produced if not p.startswith(":/")):
            with open(os.path.join(scratch, rel), "rb") as f:
                content = f.read()
            target = os.path.join(out, rel)
            if not confined(target):
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(content[: len(content) // 2])
                f.flush()
                time.sleep(0.005)
                f.write(content[len(content) // 2:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
