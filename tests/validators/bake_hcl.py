#!/usr/bin/python3
"""A parser for exactly the subset of HCL that rigc writes to docker-bake.hcl.

No Bake validator can be installed here, so the subset is small and strict:

  # a comment to the end of the line
  variable "NAME" { default = "text" }
  group "NAME" { targets = ["a", "b"] }
  target "NAME" {
    key = "string"
    key = ["list", "of", "strings"]
    key = { NAME = "string" ... }
  }

One attribute per line; lists may span lines and end with a comma; map entries
are `NAME = "string"` on their own lines (or separated by commas). Strings know
the escapes \\" \\\\ and \\n; `${VAR}` interpolation is kept as text (Bake's JSON
form keeps it as text too, so both files parse to the same dict). Anything else
-- another block type, a block without its one label, an unknown escape, a
`%{` directive, an expression, a duplicate attribute or block -- is an error
with its line and column.

  bake_hcl.py FILE     print the parsed file as JSON (the shape of docker-bake.json)
"""
import json
import sys

BLOCK_TYPES = ("variable", "group", "target")


class HclError(Exception):
    pass


def _tokens(text):
    """Yields (kind, value, line, col): kinds ident, string, punct, newline, eof."""
    i, line, col = 0, 1, 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "#":
            while i < n and text[i] != "\n":
                i += 1
            continue
        if c == "\n":
            yield ("newline", "\n", line, col)
            i, line, col = i + 1, line + 1, 1
            continue
        if c in " \t\r":
            i, col = i + 1, col + 1
            continue
        if c in "{}[]=,":
            yield ("punct", c, line, col)
            i, col = i + 1, col + 1
            continue
        if c == '"':
            start_line, start_col = line, col
            i, col = i + 1, col + 1
            out = []
            while True:
                if i >= n or text[i] == "\n":
                    raise HclError(f"{start_line}:{start_col}: unterminated string")
                c = text[i]
                if c == '"':
                    i, col = i + 1, col + 1
                    break
                if c == "\\":
                    esc = text[i + 1] if i + 1 < n else ""
                    if esc not in ('"', "\\", "n"):
                        raise HclError(f"{line}:{col}: unsupported escape '\\{esc}'")
                    out.append({"n": "\n"}.get(esc, esc))
                    i, col = i + 2, col + 2
                    continue
                if c == "%" and text.startswith("%{", i):
                    raise HclError(f"{line}:{col}: template directive '%{{' is outside the subset")
                out.append(c)
                i, col = i + 1, col + 1
            yield ("string", "".join(out), start_line, start_col)
            continue
        if c.isalpha() or c == "_":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_-"):
                i += 1
            yield ("ident", text[start:i], line, col)
            col += i - start
            continue
        raise HclError(f"{line}:{col}: unexpected character '{c}'")
    yield ("eof", "", line, col)


class _Parser:
    def __init__(self, text):
        self.toks = list(_tokens(text))
        self.pos = 0

    def peek(self):
        return self.toks[self.pos]

    def at(self, punct):
        tok = self.toks[self.pos]
        return tok[0] == "punct" and tok[1] == punct

    def take(self, kind, value=None):
        tok = self.toks[self.pos]
        if tok[0] != kind or (value is not None and tok[1] != value):
            want = repr(value) if value is not None else kind
            got = repr(tok[1]) if tok[0] != "newline" else "end of line"
            raise HclError(f"{tok[2]}:{tok[3]}: expected {want}, found {got}")
        self.pos += 1
        return tok

    def skip_newlines(self):
        while self.peek()[0] == "newline":
            self.pos += 1

    def end_of_statement(self):
        tok = self.peek()
        if tok[0] == "newline":
            self.skip_newlines()
        elif not self.at("}") and tok[0] != "eof":
            raise HclError(f"{tok[2]}:{tok[3]}: expected the end of the line, found {tok[1]!r}")

    def file(self):
        doc = {}
        self.skip_newlines()
        while self.peek()[0] != "eof":
            kind_tok = self.take("ident")
            kind = kind_tok[1]
            if kind not in BLOCK_TYPES:
                raise HclError(f"{kind_tok[2]}:{kind_tok[3]}: unknown block type '{kind}'")
            name = self.take("string")[1]
            self.take("punct", "{")
            body = self.body()
            self.take("punct", "}")
            blocks = doc.setdefault(kind, {})
            if name in blocks:
                raise HclError(f"{kind_tok[2]}:{kind_tok[3]}: duplicate {kind} '{name}'")
            blocks[name] = body
            self.end_of_statement()
        return doc

    def body(self):
        attrs = {}
        self.skip_newlines()
        while not self.at("}"):
            key_tok = self.take("ident")
            self.take("punct", "=")
            if key_tok[1] in attrs:
                raise HclError(f"{key_tok[2]}:{key_tok[3]}: duplicate attribute '{key_tok[1]}'")
            attrs[key_tok[1]] = self.value()
            self.end_of_statement()
        return attrs

    def value(self):
        tok = self.peek()
        if tok[0] == "string":
            self.pos += 1
            return tok[1]
        if self.at("["):
            self.pos += 1
            items = []
            self.skip_newlines()
            while not self.at("]"):
                items.append(self.take("string")[1])
                self.skip_newlines()
                if self.at(","):
                    self.pos += 1
                    self.skip_newlines()
                elif not self.at("]"):
                    nxt = self.peek()
                    raise HclError(f"{nxt[2]}:{nxt[3]}: expected ',' or ']', found {nxt[1]!r}")
            self.take("punct", "]")
            return items
        if self.at("{"):
            self.pos += 1
            entries = {}
            self.skip_newlines()
            while not self.at("}"):
                key_tok = self.peek()
                if key_tok[0] not in ("ident", "string"):
                    raise HclError(f"{key_tok[2]}:{key_tok[3]}: expected a map key, found {key_tok[1]!r}")
                self.pos += 1
                self.take("punct", "=")
                if key_tok[1] in entries:
                    raise HclError(f"{key_tok[2]}:{key_tok[3]}: duplicate map key '{key_tok[1]}'")
                entries[key_tok[1]] = self.take("string")[1]
                if self.at(","):
                    self.pos += 1
                self.end_of_statement()
            self.take("punct", "}")
            return entries
        shown = "end of line" if tok[0] == "newline" else repr(tok[1])
        raise HclError(f"{tok[2]}:{tok[3]}: expected a string, a list or a map, found {shown}")


def parse(text):
    """Parses the subset; returns {"variable": {...}, "group": {...}, "target": {...}}."""
    return _Parser(text).file()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: bake_hcl.py FILE")
    with open(sys.argv[1], encoding="utf-8") as f:
        try:
            print(json.dumps(parse(f.read()), indent=2))
        except HclError as e:
            sys.exit(f"{sys.argv[1]}:{e}")
