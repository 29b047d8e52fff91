#!/usr/bin/env python3
"""Keeps the README's excerpts of generated files true: every yaml/hcl block in
the section "What rigc writes" must appear verbatim in one of the examples'
committed outputs (which the examples suite keeps equal to what rigc generates),
except usage snippets, which start with `jobs:`."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    start = readme.index("## What rigc writes")
    end = readme.index("\n## ", start + 1)
    blocks = re.findall(r"```(?:yaml|hcl)\n(.*?)```", readme[start:end], re.S)
    outputs = []
    for case in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        out = os.path.join(ROOT, "examples", case, "docker")
        for dirpath, _, files in os.walk(out):
            for name in files:
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    outputs.append(f.read())
    excerpts = [b for b in blocks if not b.startswith("jobs:")]
    stale = [b for b in excerpts if not any(b in o for o in outputs)]
    for b in stale:
        print("README excerpt not found in any example output:\n" + b)
    print(f"{len(excerpts) - len(stale)} of {len(excerpts)} README excerpts match the examples")
    return 1 if stale or not excerpts else 0


if __name__ == "__main__":
    sys.exit(main())
