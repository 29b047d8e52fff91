#!/usr/bin/env python3
"""Keeps the documentation's links whole. In README.md and every docs/*.md, every
relative link must point at a file or directory that exists and, when it names
an anchor in a Markdown file, at a heading of that file (by GitHub's rules for
heading ids); and README.md must link every docs/*.md, so a reader finds every
page from it. Links in code blocks and code spans are not links.

Usage: readme_links.py [ROOT]   (default: this repository)
It first proves, on scratch trees, that it fails on a broken link, a broken
anchor and a page the README does not link, then checks ROOT."""
import glob
import os
import re
import shutil
import sys
import tempfile
import unicodedata
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Pages written on another branch at the same time as the README that links them:
# a link to one of these is accepted while the file does not exist (and said so).
# Remove an entry once its page has been merged.
PENDING: set = set()

FENCE = re.compile(r"^\s{0,3}(```|~~~)")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def slug(heading):
    """The id GitHub gives a heading: its text without markup, lowercased, with
    everything but letters, digits, '_', '-' and spaces removed, spaces as '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "")
    out = []
    for ch in text.lower():
        if ch in " -_" or unicodedata.category(ch)[0] in "LN":
            out.append("-" if ch == " " else ch)
    return "".join(out)


def anchors(text):
    """Every id in a Markdown file: heading slugs (repeats get -1, -2, …) and
    explicit <a name/id> anchors."""
    seen = {}
    ids = set()
    for _, line in prose_lines(text):
        m = HEADING.match(line)
        if m:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            ids.add(base if n == 0 else f"{base}-{n}")
        ids.update(HTML_ANCHOR.findall(line))
    return ids


def links(text):
    """(line number, target) of every link outside code."""
    for number, line in prose_lines(text):
        m = REFERENCE.match(line)
        if m:
            yield number, m.group(1)
            continue
        for target in INLINE_LINK.findall(CODE_SPAN.sub("", line)):
            yield number, target


def documents(root):
    """README.md and docs/*.md, relative to root."""
    pages = sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in glob.glob(os.path.join(root, "docs", "*.md")))
    return ["README.md"] + pages


def check(root, pending=frozenset()):
    """Returns (failures, notes, number of links checked)."""
    failures, notes = [], []
    texts = {}
    for doc in documents(root):
        path = os.path.join(root, doc)
        if not os.path.isfile(path):
            failures.append(f"{doc}: missing")
            continue
        with open(path, encoding="utf-8") as f:
            texts[doc] = f.read()
    ids = {}
    count = 0
    linked_from_readme = set()
    for doc, text in texts.items():
        for line, target in links(text):
            if not target or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("//"):
                continue  # absolute URLs (https:, mailto:) are not checked here
            count += 1
            where = f"{doc}:{line}: link '{target}'"
            raw_path, _, anchor = target.partition("#")
            raw_path = urllib.parse.unquote(raw_path)
            if raw_path.startswith("/"):
                resolved = os.path.normpath(raw_path.lstrip("/"))
            else:
                resolved = os.path.normpath(os.path.join(os.path.dirname(doc), raw_path)) if raw_path else doc
            resolved = resolved.replace(os.sep, "/")
            if resolved == ".." or resolved.startswith("../"):
                failures.append(f"{where} leaves the repository")
                continue
            if doc == "README.md":
                linked_from_readme.add(resolved)
            full = os.path.join(root, resolved)
            if not os.path.exists(full):
                if resolved in pending:
                    notes.append(f"{where}: {resolved} does not exist yet (pending: written on another branch)")
                    continue
                failures.append(f"{where}: {resolved} does not exist")
                continue
            if anchor and resolved.endswith(".md") and os.path.isfile(full):
                if resolved not in ids:
                    with open(full, encoding="utf-8") as f:
                        ids[resolved] = anchors(f.read())
                if urllib.parse.unquote(anchor).lower() not in ids[resolved]:
                    failures.append(f"{where}: no heading '#{anchor}' in {resolved}")
    for doc in texts:
        if doc != "README.md" and doc not in linked_from_readme:
            failures.append(f"README.md: does not link {doc}")
    for page in sorted(pending):
        if page not in linked_from_readme and not os.path.exists(os.path.join(root, page)):
            notes.append(f"README.md: pending page {page} is not linked")
    return failures, notes, count


# --- Self-test: each kind of breakage must fail ------------------------------

GOOD = {
    "README.md": "# Title\n\n```sh\n[not a link](nowhere.md)\n```\n\n"
                 "See [a](docs/a.md), [b](docs/b.md#second-part-and-more), `[code](nowhere.md)`,\n"
                 "[the top](#title), [a directory](docs/) and [the web](https://example.com/x.md).\n",
    "docs/a.md": "# A page\n\n## Repeat\n\n## Repeat\n\nBack to [the README](../README.md#title), "
                 "[the second](#repeat-1), [b's part](b.md#second-part-and-more).\n",
    "docs/b.md": "# B\n\n## Second part, and `more`\n\ntext\n",
}
BROKEN = [
    ("a link to a missing file", "README.md", "[a](docs/a.md)", "[a](docs/gone.md)", "docs/gone.md does not exist"),
    ("a link to a missing heading", "docs/a.md", "(#repeat-1)", "(#repeat-2)", "no heading '#repeat-2'"),
    ("a link to a missing heading elsewhere", "README.md", "#second-part-and-more", "#second-part", "no heading '#second-part'"),
    ("a page the README does not link", "README.md", "[b](docs/b.md#second-part-and-more)", "b", "does not link docs/b.md"),
    ("a link out of the repository", "docs/b.md", "text", "[up](../../x.md)", "leaves the repository"),
]


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def selftest():
    ok = True
    with tempfile.TemporaryDirectory(prefix="rigc-links-") as tmp:
        good = os.path.join(tmp, "good")
        write_tree(good, GOOD)
        failures, _, count = check(good)
        if failures or count != 7:
            print(f"self-test FAIL: the good tree: {count} links, {failures}")
            ok = False
        for i, (name, rel, old, new, expected) in enumerate(BROKEN):
            files = dict(GOOD)
            if old not in files[rel]:
                raise SystemExit(f"self-test case '{name}' does not change {rel}")
            files[rel] = files[rel].replace(old, new, 1)
            root = os.path.join(tmp, f"broken{i}")
            write_tree(root, files)
            failures, _, _ = check(root)
            if any(expected in f for f in failures):
                print(f"self-test ok: rejected {name}")
            else:
                print(f"self-test FAIL: {name} was not rejected ({failures})")
                ok = False
    return ok


def main():
    root = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    if not selftest():
        return 1
    failures, notes, count = check(root, PENDING)
    for note in notes:
        print(f"note: {note}")
    for failure in failures:
        print(failure)
    print(f"{count} relative links in {len(documents(root))} pages, {len(failures)} broken")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
