#!/usr/bin/env python3
"""Data-driven tests of the rigc binary.

  golden.py RIGC check [SUITE]    compare; exit 1 on any difference
  golden.py RIGC update [SUITE]   rewrite the expected files from what rigc produces
                                  (after a deliberate change; review the diff)

Suites:
  golden    tests/golden/<case>/Rigfile -> tests/golden/<case>/expected/ (every output)
  errors    tests/errors/<name>.rig -> <name>.stderr: the whole rendered diagnostic,
            exit code 2, and no output directory created; built alone in a scratch
            directory (the build context), with the files of <name>.context/ if
            there is one, and with --no-context-check if not; <name>.args holds
            options before the command
  examples  examples/<name>/Rigfile -> examples/<name>/docker/ (committed outputs):
            `rigc check` is clean and a fresh build matches file for file
"""
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(rigc, args, cwd):
    return subprocess.run([rigc] + args, cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"))


def tree(path):
    files = {}
    for base, _, names in os.walk(path):
        for name in names:
            full = os.path.join(base, name)
            with open(full, "rb") as f:
                files[os.path.relpath(full, path)] = f.read()
    return files


def compare_trees(got, want, label):
    failures = []
    a, b = tree(got), tree(want)
    for name in sorted(set(a) | set(b)):
        if name not in a:
            failures.append(f"{label}: {name} expected but not generated")
        elif name not in b:
            failures.append(f"{label}: {name} generated but not expected")
        elif a[name] != b[name]:
            failures.append(f"{label}: {name} differs from the expected file")
    return failures


def golden(rigc, update):
    failures, count = [], 0
    base = os.path.join(ROOT, "tests", "golden")
    for case in sorted(os.listdir(base)):
        spec = os.path.join(base, case, "Rigfile")
        if not os.path.isfile(spec):
            continue
        count += 1
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            # Output inside the case directory's copy, so relative paths are stable.
            work = os.path.join(tmp, case)
            shutil.copytree(os.path.join(base, case), work, ignore=shutil.ignore_patterns("expected"))
            out = os.path.join(work, "docker")
            r = run(rigc, ["build", "Rigfile"], work)
            if r.returncode != 0:
                failures.append(f"golden/{case}: rigc build exited {r.returncode}:\n{r.stderr}")
                continue
            expected = os.path.join(base, case, "expected")
            if update:
                shutil.rmtree(expected, ignore_errors=True)
                shutil.copytree(out, expected)
            else:
                failures += compare_trees(out, expected, f"golden/{case}")
            # Determinism: a second build changes nothing.
            again = run(rigc, ["check", "Rigfile"], work)
            if again.returncode != 0:
                failures.append(f"golden/{case}: check after build exited {again.returncode}:\n{again.stdout}")
    return count, failures


def errors(rigc, update):
    failures, count = [], 0
    base = os.path.join(ROOT, "tests", "errors")
    for name in sorted(os.listdir(base)):
        if not name.endswith(".rig"):
            continue
        count += 1
        stem = name[:-4]
        with tempfile.TemporaryDirectory() as tmp:
            # The case alone in a directory of its own (its build context, where a
            # runner's outputs must be, so that errors of later stages are reached),
            # with the files of <stem>.context/ when it has them; without them the
            # disk is not looked at (--no-context-check).
            shutil.copy(os.path.join(base, name), tmp)
            context = os.path.join(base, stem + ".context")
            args = ["build", name]
            if os.path.isdir(context):
                shutil.copytree(context, tmp, dirs_exist_ok=True)
            else:
                args.append("--no-context-check")
            extra = os.path.join(base, stem + ".args")
            if os.path.exists(extra):
                with open(extra) as f:
                    args = f.read().split() + args
            r = run(rigc, args, tmp)
            expected_path = os.path.join(base, stem + ".stderr")
            if update:
                with open(expected_path, "w") as f:
                    f.write(r.stderr)
            else:
                with open(expected_path) as f:
                    want = f.read()
                if r.stderr != want:
                    failures.append(f"errors/{name}: stderr differs\n--- expected\n{want}--- got\n{r.stderr}")
            if r.returncode != 2:
                failures.append(f"errors/{name}: exit code {r.returncode}, expected 2")
            if os.path.exists(os.path.join(tmp, "docker")):
                failures.append(f"errors/{name}: a failed build created the output directory")
            if "error:" not in r.stderr and "::error" not in r.stderr:
                failures.append(f"errors/{name}: no error was reported")
    return count, failures


def examples(rigc, update):
    failures, count = [], 0
    base = os.path.join(ROOT, "examples")
    for case in sorted(os.listdir(base)):
        spec = os.path.join(base, case, "Rigfile")
        if not os.path.isfile(spec):
            continue
        count += 1
        if update:
            r = run(rigc, ["build", "Rigfile"], os.path.join(base, case))
            if r.returncode != 0:
                failures.append(f"examples/{case}: build exited {r.returncode}:\n{r.stderr}")
            continue
        r = run(rigc, ["check", "Rigfile"], os.path.join(base, case))
        if r.returncode != 0:
            failures.append(f"examples/{case}: rigc check exited {r.returncode}:\n{r.stdout}{r.stderr}")
        with tempfile.TemporaryDirectory() as tmp:
            # The same place in another repository: the workflow names paths
            # from the repository root.
            os.mkdir(os.path.join(tmp, ".git"))
            work = os.path.join(tmp, "examples", case)
            shutil.copytree(os.path.join(base, case), work, ignore=shutil.ignore_patterns("docker"))
            r = run(rigc, ["build", "Rigfile"], work)
            if r.returncode != 0:
                failures.append(f"examples/{case}: build exited {r.returncode}:\n{r.stderr}")
                continue
            failures += compare_trees(os.path.join(work, "docker"), os.path.join(base, case, "docker"),
                                      f"examples/{case}")
    return count, failures


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("check", "update"):
        print(__doc__)
        return 2
    rigc = os.path.abspath(sys.argv[1])
    update = sys.argv[2] == "update"
    suites = sys.argv[3:] or ["golden", "errors", "examples"]
    total, failures = 0, []
    for suite in suites:
        count, failed = {"golden": golden, "errors": errors, "examples": examples}[suite](rigc, update)
        total += count
        failures += failed
    for failure in failures:
        print(failure)
    print(f"{total - len(set(f.split(':')[0] for f in failures))} passed, "
          f"{len(set(f.split(':')[0] for f in failures))} failed")
    if total == 0:
        print("no test cases found")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
