#!/usr/bin/env python3
"""Specs at and past every size limit: each is compiled or rejected with a clear
error, without a crash, a stack overflow or a runaway.

  limits.py RIGC [--selftest]

Each case asserts the exit code and the message; time and peak memory are
printed for the record, never asserted (run it under the sanitizer build to catch
overflows and leaks on the same inputs). --selftest first runs every case against
two stand-ins, one that accepts every spec and one that rejects every spec with an
unrelated error, and requires each case to fail against one of them.
"""
import os
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scratch import ram_disk  # noqa: E402

MIB = 1024 * 1024


def images(count, body="  apt curl\n"):
    return "".join(f"image i{n} {{\n{body}}}\n\n" for n in range(count))


def pack_chain(depth):
    text = "image app {\n  packs p1\n}\n"
    for n in range(1, depth):
        text += f"\npack p{n} {{\n  requires p{n + 1}\n}}\n"
    return text + f"\npack p{depth} {{\n  apt curl\n}}\n"


def extends_chain(depth):
    text = "image i1 {\n  apt curl\n}\n"
    for n in range(2, depth + 1):
        text += f"\nimage i{n} extends i{n - 1} {{\n}}\n"
    return text


def comments_around(size):
    line = "# " + "a line of a long licence header, kept by fmt and ignored by build. " * 1 + "\n"
    return line * (size // len(line)) + images(1)


def broken_declarations(size):
    line = "imgae broken {\n}\n"
    return line * (size // len(line))


def nested(depth):
    return "image a {\n" * depth + "}\n" * depth


def wide_image(packs):
    text = "image app {\n  packs " + " ".join(f"w{n}" for n in range(packs)) + "\n}\n"
    return text + "".join(f"\npack w{n} {{\n}}\n" for n in range(packs))


def many_values(count):
    return "image app {\n" + "".join(f"  env V{n}=x\n" for n in range(count)) + "}\n"


def many_targets(count):
    return "image app {\n" + "".join(f"  target t{n} {{\n  }}\n" for n in range(count)) + "}\n"


# (name, spec text, command, expected exit, text stderr or stdout must contain)
CASES = [
    ("a 10 MiB spec of comments", lambda: comments_around(10 * MIB), "build", 0, "written"),
    ("a 10 MiB spec of broken declarations", lambda: broken_declarations(10 * MIB), "build", 2,
     "too many errors; stopped reporting after 100"),
    ("a 1 MiB word", lambda: "image app {\n  apt " + "a" * MIB + "\n}\n", "build", 2,
     "line longer than 16384 bytes"),
    ("a 1 MiB comment line", lambda: "#" * MIB + "\nimage app {\n}\n", "build", 2,
     "line longer than 16384 bytes"),
    ("a 1 MiB quoted string over many lines", lambda: "image app {\n" + "".join(
        f'  run "echo {n} {"x" * 8000}"\n' for n in range(128)) + "}\n", "build", 0, "written"),
    ("10,000 images", lambda: images(10000), "build", 0, "written"),
    ("a pack chain 64 deep", lambda: pack_chain(64), "build", 0, "written"),
    ("a pack chain 1,000 deep", lambda: pack_chain(1000), "build", 2,
     "has a chain of requirements more than 64 deep"),
    ("an extends chain 64 deep", lambda: extends_chain(64), "build", 0, "written"),
    ("an extends chain 1,000 deep", lambda: extends_chain(1000), "build", 2,
     "extends a chain of more than 64 images"),
    ("blocks nested 10,000 deep", lambda: nested(10000), "build", 2,
     "blocks nested more than 8 deep"),
    ("an image with 300 packs", lambda: wide_image(300), "build", 2,
     "needs 301 packs; at most 256 are supported"),
    ("an image with 5,000 variables", lambda: many_values(5000), "build", 2,
     "at most 4096 are supported"),
    ("an image with 100 targets", lambda: many_targets(100), "build", 2,
     "more than 64 targets in one block"),
]



def selftest(tmp):
    stand_ins = {"accepts": "echo 'x: 1 written, 0 unchanged, 0 removed'; exit 0",
                 "rejects": "echo 'Rigfile:1:1: error: something else' >&2; exit 2"}
    caught = set()
    for name, body in stand_ins.items():
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)
        caught |= set(run_cases(path, quiet=True))
    missed = [name for name, *_ in CASES if name not in caught]
    for name in missed:
        print(f"selftest: no stand-in fails '{name}'")
    return not missed


def run_cases(rigc, quiet=False):
    """Runs every case; returns the names of those that did not go as expected."""
    failures = []
    # On a RAM disk when there is one: 10,000 images are 20,000 synced files.
    ram = ram_disk(512)
    for name, make, command, expected, message in CASES:
        with tempfile.TemporaryDirectory(dir=ram) as work:
            text = make()
            with open(os.path.join(work, "Rigfile"), "w") as f:
                f.write(text)
            start = time.monotonic()
            with open(os.path.join(work, "out"), "w+") as out, \
                    open(os.path.join(work, "err"), "w+") as err:
                process = subprocess.Popen([rigc, command, "Rigfile"], cwd=work, stdout=out,
                                           stderr=err, env=dict(os.environ, NO_COLOR="1"))
                _, status, usage = os.wait4(process.pid, 0)
                process.returncode = os.waitstatus_to_exitcode(status)
                out.seek(0)
                err.seek(0)
                stdout, stderr = out.read(), err.read()
            seconds = time.monotonic() - start
            peak = usage.ru_maxrss // 1024  # Linux: KiB
            output = stdout + stderr
            ok = process.returncode == expected and message in output
            if expected == 2:
                located = [line for line in stderr.splitlines() if ": error: " in line]
                ok = ok and len(located) <= 101 and not os.path.exists(os.path.join(work, "docker"))
            if not ok:
                failures.append(name)
            if quiet:
                continue
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(text) / MIB:.1f} MiB, exit "
                  f"{process.returncode}, {seconds:.1f}s, peak RSS {peak} MiB")
            if not ok:
                print(f"     expected exit {expected} and {message!r}; got:\n"
                      f"{output[-2000:]}")
    return failures


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    rigc = os.path.abspath(sys.argv[1])
    if "--selftest" in sys.argv[2:]:
        with tempfile.TemporaryDirectory() as tmp:
            if not selftest(tmp):
                return 1
        print(f"selftest: every one of the {len(CASES)} cases fails against a stand-in")
    failures = run_cases(rigc)
    print(f"limits: {len(CASES) - len(failures)} of {len(CASES)} cases as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
