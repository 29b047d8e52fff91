#!/usr/bin/env python3
"""Keeps the documentation's excerpts true. In README.md and every docs/*.md:

  - every ```yaml, ```hcl and ```dockerfile block must appear verbatim in one of
    the examples' committed outputs (which the examples suite keeps equal to what
    rigc generates);
  - every ```rig block must appear verbatim in an example's Rigfile or a stock
    pack;

except blocks that the line before their fence marks as not an excerpt, with an
HTML comment `<!-- not an excerpt: WHY -->` (a workflow to copy, a usage
snippet). Blocks with other info strings (sh, json, plain) are not excerpts."""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT_KINDS = ("yaml", "hcl", "dockerfile")
SPEC_KINDS = ("rig",)
MARK = re.compile(r"<!--\s*not an excerpt\b.*-->\s*$")
FENCE = re.compile(r"^```(\S*)\s*$")


def documents(root):
    """README.md and docs/*.md, as paths relative to root."""
    paths = ["README.md"] + sorted(os.path.relpath(p, root) for p in glob.glob(os.path.join(root, "docs", "*.md")))
    return [p for p in paths if os.path.isfile(os.path.join(root, p))]


def blocks(text):
    """(info string, body, line number, marked) for every fenced block."""
    found = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        prev = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        body = "\n".join(lines[start + 1:j]) + "\n"
        found.append((m.group(1).lower(), body, start + 1, bool(MARK.match(prev.strip()))))
        i = j + 1
    return found


def read_all(paths):
    texts = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            texts.append(f.read())
    return texts


def main():
    outputs = []
    for out in sorted(glob.glob(os.path.join(ROOT, "examples", "*", "docker"))):
        for dirpath, _, files in os.walk(out):
            outputs += read_all(os.path.join(dirpath, name) for name in sorted(files))
    specs = read_all(sorted(glob.glob(os.path.join(ROOT, "examples", "*", "Rigfile"))
                            + glob.glob(os.path.join(ROOT, "packs", "*.rig"))))
    checked = stale = 0
    for doc in documents(ROOT):
        with open(os.path.join(ROOT, doc), encoding="utf-8") as f:
            text = f.read()
        for kind, body, line, marked in blocks(text):
            if marked:
                continue
            if kind in OUTPUT_KINDS:
                sources, what = outputs, "example output"
            elif kind in SPEC_KINDS:
                sources, what = specs, "example Rigfile or stock pack"
            else:
                continue
            checked += 1
            if not any(body in s for s in sources):
                stale += 1
                print(f"{doc}:{line}: {kind} excerpt not found in any {what}:\n{body}")
    print(f"{checked - stale} of {checked} excerpts match the examples")
    return 1 if stale or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
