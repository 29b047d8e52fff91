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
        for entry in listed:
            if entry not in produced and confined(os.path.join(out, entry)):
                try:
                    os.remove(os.path.join(out, entry))
                except OSError:
                    pass
        for rel in sorted(produced):
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
