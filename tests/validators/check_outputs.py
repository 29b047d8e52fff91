#!/usr/bin/python3
"""Judges the Compose and Bake files rigc generates, and that every generated
file tells the same story as `rigc plan --format json`.

  check_outputs.py --rigc RIGC ROOT...   every ROOT/*/docker and ROOT/*/expected
                                         directory with a Rigfile beside it
  check_outputs.py --selftest            the fixtures in fixtures/: the good output
                                         directories pass, each broken one is reported

Per output directory:
  compose.yaml      the compose-spec JSON schema shipped by dclint 3.1.0 (Draft 7),
                    `docker compose config -q` (Compose v2) on a copy with runner.env made
                    from runner.env.example, yamllint -d relaxed (errors), and a YAML
                    load that rejects duplicate keys
  docker-bake.json  structure: group "default" lists every concrete target; each has
                    context "..", dockerfile, target (a stage of that Dockerfile), tags,
                    platforms, args, cache-from/cache-to of the documented subset;
                    inherited targets exist; REGISTRY and TAG are variables
  docker-bake.hcl   parsed by bake_hcl.py; must be the same dict as the JSON (the JSON's
                    RIGC_GENERATED variable, its generated-file marker, aside)
  agreement         with the plan: every image is a compose service, a bake target and
                    a workflow build; the workflow builds the bake file's Dockerfiles,
                    targets, tags, platforms and registry caches; compose resources,
                    replicas, cache volumes, restart, environment and health check are
                    the plan's; runner labels agree across runs-on.yml, compose and plan
A file the plan calls for that is missing is an error. yamllint also runs over the
workflow and runs-on.yml. The plan of a fixture is the plan.json beside its docker/.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

import bake_hcl

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = os.path.join(HERE, "node_modules", "dclint", "schemas", "compose.schema.json")
FIXTURES = os.path.join(HERE, "fixtures")
TARGET_KEYS = {"inherits", "context", "dockerfile", "target", "tags", "platforms", "args", "labels",
               "cache-from", "cache-to", "output", "attest", "secret"}
LIST_KEYS = {"inherits", "tags", "platforms", "cache-from", "cache-to", "output", "attest", "secret"}
MAP_KEYS = {"args", "labels"}
# What CI's overlay (docker-bake.ci.hcl) may set on a target, and the target that
# docker/metadata-action's bake file fills in.
CI_KEYS = {"inherits", "labels", "cache-from", "cache-to", "output", "attest"}
METADATA_TARGET = "docker-metadata-action"
CI_DEFAULT_PLATFORM = "linux/amd64"
# JSON has no comments, so rigc marks docker-bake.json as generated with this variable.
JSON_ONLY_VARIABLES = {"RIGC_GENERATED"}
PLATFORM = re.compile(r"^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$")
MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
HELPER = "github/cache-mounts.Dockerfile"
CACHE_MOUNT = re.compile(r"--mount=type=cache,(\S+)")


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a mapping with the same key twice (PyYAML keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=StrictLoader)


def load_json(path):
    def pairs(items):
        keys = [k for k, _ in items]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"duplicate key '{dup[0]}'")
        return dict(items)

    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=pairs)


class Report:
    def __init__(self, out):
        self.out = out
        self.findings = []

    def add(self, rel, message):
        self.findings.append(f"{os.path.join(self.out, rel)}: {message}")


# ---------------------------------------------------------------- compose

def check_compose_tools(out, report):
    path = os.path.join(out, "compose.yaml")
    try:
        data = load_yaml(path)
    except yaml.YAMLError as e:
        report.add("compose.yaml", f"YAML: {e}".replace("\n", " "))
        data = None
    if data is not None:
        with open(SCHEMA, encoding="utf-8") as f:
            schema = json.load(f)
        validator = jsonschema.Draft7Validator(schema)
        for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
            where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
            report.add("compose.yaml", f"compose-spec schema: {where}: {err.message}")
    run_compose_config(out, report)
    return data


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# Tool results by input text: the self-test lays many cases over one good fixture,
# and docker-compose takes seconds to start.
_tool_cache = {}


def run_compose_config(out, report):
    """Compose v2's `config -q` (RIGC_COMPOSE, set by run.sh) on a copy, with
    runner.env made from its example; it must exit 0 and print nothing (it warns
    of unset variables)."""
    text = read(os.path.join(out, "compose.yaml"))
    example = os.path.join(out, "runner.env.example")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        data = {}
    env_files = set()
    for service in (data.get("services") or {}).values() if isinstance(data, dict) else []:
        files = (service or {}).get("env_file") or []
        env_files.update([files] if isinstance(files, str) else files)
    if "runner.env" in env_files and not os.path.isfile(example):
        report.add("runner.env.example", "missing: compose.yaml reads runner.env, which users make from it")
    key = ("compose", os.path.basename(out), text, read(example) if os.path.isfile(example) else None)
    if key not in _tool_cache:
        with tempfile.TemporaryDirectory() as tmp:
            work = os.path.join(tmp, "spec", os.path.basename(out))
            shutil.copytree(out, work)
            if os.path.isfile(example):
                shutil.copyfile(example, os.path.join(work, "runner.env"))
            env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
            r = subprocess.run([os.environ.get("RIGC_COMPOSE", "docker-compose"), "-f", "compose.yaml",
                                "config", "-q"], cwd=work,
                               capture_output=True, text=True, env=env, check=False)
            _tool_cache[key] = (r.returncode, " ".join((r.stdout + r.stderr).split()))
    code, output = _tool_cache[key]
    if code != 0 or output:
        report.add("compose.yaml", f"docker compose config -q (exit {code}): {output}")


def run_yamllint(out, rel, report):
    text = read(os.path.join(out, rel))
    key = ("yamllint", text)
    if key not in _tool_cache:
        r = subprocess.run(["yamllint", "-f", "parsable", "-d", "relaxed", "-"], input=text,
                           capture_output=True, text=True, check=False)
        _tool_cache[key] = (r.returncode, r.stdout, r.stderr)
    code, stdout, stderr = _tool_cache[key]
    for line in stdout.splitlines():
        m = re.match(r"^[^:]*:(\d+):(\d+): \[error\] (.*)$", line)
        if m:
            report.add(rel, f"yamllint {m.group(1)}:{m.group(2)}: {m.group(3)}")
    if code not in (0, 1):
        report.add(rel, f"yamllint exited {code}: {stderr.strip()}")


# ---------------------------------------------------------------- bake

def substitute(text, variables):
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: variables.get(m.group(1), m.group(0)), text)


def resolve_target(targets, name, seen=()):
    """The target's attributes after its inherits (parents first, own keys last)."""
    if name in seen:
        raise ValueError("inherits cycle: " + " -> ".join(seen + (name,)))
    own = targets[name]
    merged = {}
    for parent in own.get("inherits", []):
        if parent in targets:
            merged.update(resolve_target(targets, parent, seen + (name,)))
    merged.update({k: v for k, v in own.items() if k != "inherits"})
    return merged


def stages_of(dockerfile):
    names = set()
    with open(dockerfile, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)\s*$", line, re.IGNORECASE)
            if m:
                names.add(m.group(1).lower())
    return names


class Layout:
    """Where things are: the spec directory is the output directory's parent; paths in
    the outputs name the plan's output directory (docker/), which for a golden case's
    expected/ is the directory itself."""

    def __init__(self, out, plan):
        self.out = os.path.abspath(out)
        self.spec_dir = os.path.dirname(self.out)
        self.output_dir = plan.get("output_dir", "docker")

    def real(self, path):
        """Maps a path under SPEC_DIR/<output_dir> to the directory being checked."""
        rel = os.path.relpath(os.path.normpath(path), self.spec_dir)
        head = self.output_dir.rstrip("/") + "/"
        if rel.startswith(head):
            return os.path.join(self.out, rel[len(head):])
        return os.path.normpath(path)


def read_bake_pair(out, name, report):
    """NAME.json and NAME.hcl, which must parse to the same dict; the JSON's dict."""
    try:
        bake = load_json(os.path.join(out, name + ".json"))
    except ValueError as e:
        report.add(name + ".json", f"JSON: {e}")
        return None
    try:
        with open(os.path.join(out, name + ".hcl"), encoding="utf-8") as f:
            hcl = bake_hcl.parse(f.read())
    except bake_hcl.HclError as e:
        report.add(name + ".hcl", f"HCL subset: {e}")
        hcl = None
    if hcl is not None:
        comparable = json.loads(json.dumps(bake))
        for variable in JSON_ONLY_VARIABLES:
            comparable.get("variable", {}).pop(variable, None)
        if hcl != comparable:
            for line in describe_difference(hcl, comparable):
                report.add(name + ".hcl", f"differs from {name}.json: {line}")
    return bake


def check_bake(out, layout, report):
    bake = read_bake_pair(out, "docker-bake", report)
    if bake is not None:
        check_bake_structure(bake, layout, report)
    ci = None
    if os.path.isfile(os.path.join(out, "docker-bake.ci.json")):
        ci = read_bake_pair(out, "docker-bake.ci", report)
        if ci is not None and bake is not None:
            check_ci_overlay(bake, ci, report)
    return bake, ci


def describe_difference(a, b, where=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            here = f"{where}.{key}" if where else key
            if key not in a:
                out.append(f"{here} only in the JSON")
            elif key not in b:
                out.append(f"{here} only in the HCL")
            else:
                out += describe_difference(a[key], b[key], here)
        return out
    return [] if a == b else [f"{where}: HCL {a!r}, JSON {b!r}"]


def check_bake_structure(bake, layout, report):
    rel = "docker-bake.json"
    if not isinstance(bake, dict):
        report.add(rel, "not a JSON object")
        return
    for key in bake:
        if key not in ("variable", "group", "target"):
            report.add(rel, f"unknown top-level key '{key}'")
    variables = bake.get("variable") or {}
    for name in ("REGISTRY", "TAG"):
        if name not in variables:
            report.add(rel, f"variable '{name}' is missing")
    for name, var in variables.items():
        if not isinstance(var, dict) or set(var) != {"default"} or not isinstance(var["default"], str):
            report.add(rel, f"variable '{name}' must be {{\"default\": \"string\"}}")
    targets = bake.get("target") or {}
    groups = bake.get("group") or {}
    members = []
    for gname, group in groups.items():
        ts = (group or {}).get("targets")
        if not isinstance(ts, list) or not all(isinstance(t, str) for t in ts):
            report.add(rel, f"group '{gname}' must have a list of target names")
            continue
        for t in ts:
            if t not in targets:
                report.add(rel, f"group '{gname}' lists target '{t}', which does not exist")
            if ts.count(t) > 1:
                report.add(rel, f"group '{gname}' lists target '{t}' twice")
        members += ts
    if "default" not in groups:
        report.add(rel, "group 'default' is missing")
    default_members = set((groups.get("default") or {}).get("targets") or [])
    inherited = set()
    for name, target in targets.items():
        if not isinstance(target, dict):
            report.add(rel, f"target '{name}' is not an object")
            continue
        for key, value in target.items():
            if key not in TARGET_KEYS:
                report.add(rel, f"target '{name}': key '{key}' is outside the documented subset")
            elif key in LIST_KEYS:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    report.add(rel, f"target '{name}': '{key}' must be a list of strings")
            elif key in MAP_KEYS:
                if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                    report.add(rel, f"target '{name}': '{key}' must map names to strings")
            elif not isinstance(value, str):
                report.add(rel, f"target '{name}': '{key}' must be a string")
        for parent in target.get("inherits") or []:
            if parent not in targets:
                report.add(rel, f"target '{name}' inherits '{parent}', which does not exist")
            inherited.add(parent)
    for name, target in targets.items():
        if not isinstance(target, dict):
            continue
        if name in inherited and name not in members:
            continue  # abstract: only there to be inherited
        if name not in default_members:
            report.add(rel, f"target '{name}' is missing from group 'default'")
        try:
            t = resolve_target(targets, name)
        except ValueError as e:
            report.add(rel, f"target '{name}': {e}")
            continue
        if t.get("context") != "..":
            report.add(rel, f"target '{name}': context is {t.get('context')!r}, not '..' (the spec's directory)")
        for key in ("dockerfile", "target"):
            if not isinstance(t.get(key), str) or not t.get(key):
                report.add(rel, f"target '{name}': '{key}' is missing")
        if not t.get("tags"):
            report.add(rel, f"target '{name}': 'tags' is missing")
        for p in t.get("platforms") or []:
            if not PLATFORM.match(p):
                report.add(rel, f"target '{name}': platform '{p}' is not os/arch[/variant]")
        for text in json.dumps(t).split('"'):
            for var in re.findall(r"\$\{([^}]*)\}", text):
                if var not in variables:
                    report.add(rel, f"target '{name}': '${{{var}}}' names no variable")
        check_bake_cache(rel, name, t, report)
        if isinstance(t.get("dockerfile"), str) and isinstance(t.get("context"), str):
            path = layout.real(os.path.join(layout.out, t["context"], t["dockerfile"]))
            if not os.path.isfile(path):
                report.add(rel, f"target '{name}': dockerfile '{t['dockerfile']}' does not exist")
            elif isinstance(t.get("target"), str) and t["target"].lower() not in stages_of(path):
                report.add(rel, f"target '{name}': stage '{t['target']}' is not in {t['dockerfile']}")


def cache_fields(entry):
    return dict(part.split("=", 1) if "=" in part else (part, "") for part in entry.split(","))


def cache_entry_problem(entry):
    """Why `entry` is not one cache definition (None when it is): buildx reads one
    entry as one comma-separated set of key=value attributes, so two caches joined
    with a comma become one whose later `ref` wins (build-push-action splits its
    cache inputs on newlines only)."""
    keys = [part.split("=", 1)[0] for part in entry.split(",") if part]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        return f"'{entry}' is not one cache: '{repeated[0]}=' appears {keys.count(repeated[0])} times"
    if "type" not in keys:
        return f"'{entry}' has no type="
    if any("=" not in part for part in entry.split(",") if part):
        return f"'{entry}' has an attribute without a value"
    if cache_fields(entry).get("type") == "registry" and "ref" not in keys:
        return f"'{entry}' is a registry cache without ref="
    return None


def check_bake_cache(rel, name, t, report):
    for key in ("cache-from", "cache-to"):
        for entry in t.get(key) or []:
            problem = cache_entry_problem(entry)
            if problem:
                report.add(rel, f"target '{name}': {key} {problem}")
    if t.get("cache-to"):
        report.add(rel, f"target '{name}': cache-to in docker-bake.hcl: a plain `docker buildx bake` "
                   "would export the cache and fail without write access to the registry")


def check_ci_overlay(bake, ci, report):
    """docker-bake.ci: what CI adds on the default branch, to targets that exist."""
    rel = "docker-bake.ci.json"
    targets = bake.get("target") or {}
    overlay = ci.get("target") or {}
    if METADATA_TARGET not in overlay:
        report.add(rel, f"no empty target '{METADATA_TARGET}' for metadata-action's bake file to fill")
    elif overlay[METADATA_TARGET]:
        report.add(rel, f"target '{METADATA_TARGET}' must be empty (metadata-action's file fills it)")
    variables = dict(bake_variables(bake), **bake_variables(ci))
    for name, t in overlay.items():
        if name == METADATA_TARGET:
            continue
        if name not in targets:
            report.add(rel, f"target '{name}' is not a target of docker-bake.json")
            continue
        for key in t:
            if key not in CI_KEYS:
                report.add(rel, f"target '{name}': '{key}' is not something CI adds")
        if METADATA_TARGET not in (t.get("inherits") or []):
            report.add(rel, f"target '{name}' does not inherit '{METADATA_TARGET}': no version or revision labels")
        for key in ("cache-from", "cache-to"):
            for entry in t.get(key) or []:
                problem = cache_entry_problem(entry)
                if problem:
                    report.add(rel, f"target '{name}': {key} {problem}")
        for entry in t.get("cache-to") or []:
            if cache_fields(entry).get("mode") != "max":
                report.add(rel, f"target '{name}': cache-to without mode=max caches only the final stage")
            if "${PLATFORM_PAIR}" not in entry:
                report.add(rel, f"target '{name}': cache-to '{entry}' is the same for every platform's job; "
                           "each would overwrite the others'")
        outputs = t.get("output") or []
        if outputs and not all("push-by-digest=true" in o for o in outputs):
            report.add(rel, f"target '{name}': its output is not pushed by digest (the merge job tags it)")
        attest = " ".join(t.get("attest") or [])
        if outputs and ("type=provenance" not in attest or "type=sbom" not in attest):
            report.add(rel, f"target '{name}': a push without provenance and SBOM attestations")
    for name in (bake.get("group", {}).get("default", {}) or {}).get("targets") or []:
        if name not in overlay:
            report.add(rel, f"target '{name}' of docker-bake.json has no CI overlay")
    check_ci_cache_reads(bake, overlay, variables, report)


def check_ci_cache_reads(bake, overlay, variables, report):
    """What CI writes for a platform is what every build reads: each cache-to ref,
    for each ci-PLATFORM group the target is in, is among the target's cache-from."""
    groups = {g[3:]: (v or {}).get("targets") or [] for g, v in (bake.get("group") or {}).items()
              if g.startswith("ci-")}
    targets = bake.get("target") or {}
    for name, t in overlay.items():
        if name not in targets:
            continue
        try:
            reads = resolve_target(targets, name).get("cache-from") or []
        except ValueError:
            continue
        reads = [substitute(r, variables) for r in reads]
        for entry in t.get("cache-to") or []:
            if cache_fields(entry).get("type") != "registry":
                continue
            for pair, members in groups.items():
                if name not in members:
                    continue
                written = substitute(entry, dict(variables, PLATFORM_PAIR=pair)).replace(",mode=max", "")
                if written not in reads:
                    report.add("docker-bake.ci.json", f"target '{name}': CI writes '{written}' "
                               "but no build reads it (not in its cache-from)")


# ---------------------------------------------------------------- agreement

def bake_variables(bake):
    return {k: v.get("default", "") for k, v in (bake.get("variable") or {}).items() if isinstance(v, dict)}


def bake_builds(bake):
    """The concrete targets, resolved and with variables substituted."""
    variables = bake_variables(bake)
    targets = bake.get("target") or {}
    out = {}
    for name in (bake.get("group", {}).get("default", {}) or {}).get("targets") or []:
        if name not in targets:
            continue
        try:
            t = resolve_target(targets, name)
        except ValueError:
            continue
        out[name] = json.loads(substitute(json.dumps(t), variables))
    return out


def workflow_builds(workflow, report, rel):
    """Each matrix entry of each job that runs docker/build-push-action, as the inputs
    the action receives (`${{ matrix.KEY }}` replaced; None where an input is any other
    expression)."""
    builds = {}
    for job_name, job in ((workflow or {}).get("jobs") or {}).items():
        steps = [s for s in (job or {}).get("steps") or []
                 if str((s or {}).get("uses", "")).startswith("docker/build-push-action@")]
        if not steps:
            continue
        matrix = ((job.get("strategy") or {}).get("matrix")) or {}
        if set(matrix) - {"include"}:
            report.add(rel, f"job '{job_name}': only a matrix of include entries is understood here")
        for entry in matrix.get("include") or [{}]:
            name = entry.get("name", entry.get("image"))
            if name is None:
                report.add(rel, f"job '{job_name}': a matrix entry has neither 'name' nor 'image'")
                continue
            for step in steps:
                inputs = {}
                for key, value in (step.get("with") or {}).items():
                    text = MATRIX_REF.sub(lambda m, e=entry: str(e.get(m.group(1), "")), str(value))
                    inputs[key] = None if "${{" in text else text
                if name in builds:
                    report.add(rel, f"'{name}' is built twice")
                builds[name] = inputs
    return builds


def split_list(text, separators):
    return [part.strip() for part in re.split(separators, text or "") if part.strip()]


def repo_root_for_source(layout, source, report, rel):
    """The repository root the workflow assumes: the output directory less `source`
    (bake-action's local source, from which Bake runs). A golden case's expected/
    stands for the plan's output directory."""
    out = os.path.join(layout.spec_dir, layout.output_dir)
    if source == ".":
        root = out
    elif out.endswith(os.sep + source):
        root = out[: -len(source) - 1]
    else:
        report.add(rel, f"bake-action source '{source}' is not the output directory ({out})")
        return None
    if os.path.basename(layout.out) == layout.output_dir:
        r = subprocess.run(["git", "-C", layout.out, "rev-parse", "--show-toplevel"],
                           capture_output=True, text=True, check=False)
        top = r.stdout.strip()
        if r.returncode == 0 and os.path.realpath(top) != os.path.realpath(root):
            report.add(rel, f"bake-action source is '{source}', but the output directory is "
                       f"'{os.path.relpath(out, top)}' in the repository")
    return root


def repo_root_for(layout, context, report, rel):
    """The repository root the workflow assumes: the spec directory less `context`.
    In a git work tree where rigc wrote in place, it must be the real top level."""
    spec = layout.spec_dir
    context = os.path.normpath(context)
    if context == ".":
        root = spec
    elif spec.endswith(os.sep + context):
        root = spec[: -len(context) - 1]
    else:
        report.add(rel, f"build context '{context}' is not the spec's directory ({spec})")
        return None
    if os.path.basename(layout.out) == layout.output_dir:
        r = subprocess.run(["git", "-C", spec, "rev-parse", "--show-toplevel"],
                           capture_output=True, text=True, check=False)
        top = r.stdout.strip()
        if r.returncode == 0 and os.path.realpath(top) != os.path.realpath(root):
            want = os.path.relpath(spec, top)
            report.add(rel, f"build context is '{context}', but the spec's directory is '{want}' in the repository")
    return root


def check_agreement(plan, layout, compose, bake, workflow, runs_on, report):
    images = plan.get("images") or []
    runners = [i for i in images if i.get("kind") == "runner"]
    if compose is not None:
        check_compose_agreement(images, compose, layout, report)
    builds = bake_builds(bake) if bake is not None else None
    if builds is not None:
        check_bake_agreement(images, builds, layout, report)
    if builds is not None and workflow is not None:
        check_workflow_agreement(builds, workflow, layout, report, bake, plan)
    if runs_on is not None or runners:
        check_runs_on(runners, runs_on or {}, report)


def check_compose_agreement(images, compose, layout, report):
    rel = "compose.yaml"
    services = (compose or {}).get("services") or {}
    names = [i["name"] for i in images]
    # A runner pool with `docker dind` has its Docker-in-Docker service beside it;
    # an application's targets have development services.
    sidecars = [f"{i['name']}-dind" for i in images if i.get("docker") == "dind"]
    devs = {f"{i['name']}-{d['target']}": (i, d) for i in images for d in i.get("dev_services") or []}
    for name in services:
        if name not in names and name not in sidecars and name not in devs:
            report.add(rel, f"service '{name}' is not an image of the plan")
    for name, (image, dev) in devs.items():
        check_dev_service(rel, name, image, dev, services.get(name), layout, report)
    check_build_secrets(rel, images, services, compose, report)
    cache_ids = set()
    for image in images:
        name = image["name"]
        s = services.get(name)
        if image.get("scale_set"):
            # A runner scale set runs on Kubernetes (arc/NAME.values.yaml), not here.
            if s is not None:
                report.add(rel, f"service '{name}': a runner scale set (ARC) is no Compose service")
            continue
        if s is None:
            report.add(rel, f"image '{name}' has no service")
            continue
        runner = image.get("kind") == "runner"
        # One init as PID 1: Compose's, or the image's own (tini), never both.
        if image.get("own_init"):
            if "init" in s:
                report.add(rel, f"service '{name}': the image has an init of its own; init: {s['init']!r} adds a second")
        elif s.get("init") is not True:
            report.add(rel, f"service '{name}': init: true is missing (PID 1 must pass SIGTERM on)")
        build = s.get("build") or {}
        want_build = {"context": "..", "dockerfile": f"{layout.output_dir}/{image['dockerfile']}",
                      "target": image.get("default_target", "final")}
        if image.get("cache_refs"):  # the registry cache CI writes, per platform
            want_build["cache_from"] = image["cache_refs"]
        if image.get("build_secrets"):
            want_build["secrets"] = [secret["id"] for secret in image["build_secrets"]]
        for key in sorted(set(want_build) | set(build)):
            if build.get(key) != want_build.get(key):
                report.add(rel, f"service '{name}': build.{key} is {build.get(key)!r}, the plan says {want_build.get(key)!r}")
        if s.get("image") != image.get("image"):
            report.add(rel, f"service '{name}': image is {s.get('image')!r}, the plan says {image.get('image')!r}")
        if (s.get("restart") or "") != (image.get("restart") or ""):
            report.add(rel, f"service '{name}': restart is {s.get('restart')!r}, the plan says {image.get('restart')!r}")
        env = s.get("environment") or {}
        if not isinstance(env, dict):
            report.add(rel, f"service '{name}': environment should be a map")
            env = {}
        for key, value in (image.get("env") or {}).items():
            if not isinstance(env.get(key), str) or env.get(key) != str(value):
                report.add(rel, f"service '{name}': environment {key} is {env.get(key)!r}, the plan says {value!r}")
        env_file = s.get("env_file") or []
        if runner:
            check_runner_service(rel, name, image, s, env, compose, report)
        else:
            if env_file:
                report.add(rel, f"service '{name}': env_file is for runners")
            exposed = {str(p).split("/")[0] for p in image.get("expose") or []}
            for port in s.get("ports") or []:
                inner = str(port).split(":")[-1].split("/")[0]
                if inner not in exposed:
                    report.add(rel, f"service '{name}': publishes {port!r}, but the image does not expose {inner}")
        if [str(p) for p in s.get("expose") or []] != [str(p) for p in image.get("expose") or []]:
            report.add(rel, f"service '{name}': expose is {s.get('expose')!r}, the plan says {image.get('expose')!r}")
        want_volumes = [f"{c['id']}:{c['path']}" for c in image.get("caches") or []]
        docker = image.get("docker", "none") if runner else "none"
        work = f"${{RIGC_RUNNER_WORK:-/var/lib/rigc/runners}}/{name}"
        if docker == "socket":
            want_volumes.append("/var/run/docker.sock:/var/run/docker.sock")
        if docker != "none":
            want_volumes.append(f"{work}:{work}")
        if docker == "dind":
            want_volumes.append(f"{name}-docker-certs:/certs:ro")
            cache_ids.add(f"{name}-docker-certs")
        if sorted(s.get("volumes") or []) != sorted(want_volumes):
            report.add(rel, f"service '{name}': volumes are {s.get('volumes')!r}, the plan's caches and Docker mode say {want_volumes!r}")
        cache_ids.update(c["id"] for c in image.get("caches") or [])
        check_deploy(rel, name, image, s.get("deploy") or {}, report)
        plan_hc = image.get("healthcheck")
        if runner and not plan_hc:
            want_hc = {"test": ["CMD", "/usr/local/bin/runner-entrypoint.sh", "health"],
                       "interval": "30s", "timeout": "5s", "start_period": "2m", "retries": 3}
            if s.get("healthcheck") != want_hc:
                report.add(rel, f"service '{name}': healthcheck is {s.get('healthcheck')!r}, a runner's is {want_hc!r}")
        else:
            check_healthcheck(rel, name, plan_hc, s.get("healthcheck"), report)
    volumes = (compose or {}).get("volumes") or {}
    if set(volumes) != cache_ids:
        report.add(rel, f"top-level volumes are {sorted(volumes)}, the plan's caches are {sorted(cache_ids)}")


RUNNER_SECRETS = {"app": "github_app_private_key", "pat": "github_token", "token": "runner_token"}


def check_runner_service(rel, name, image, s, env, compose, report):
    """A runner's service as operators run it (docs/runners.md): an init, time to
    drain and deregister, its credential as a secret and nowhere in the
    environment, bounded logs and processes, Docker as the plan's mode says."""
    for key in ("RUNNER_LABELS", "RUNNER_EPHEMERAL", "RUNNER_GROUP", "RUNNER_TOKEN", "GITHUB_TOKEN"):
        if key in env:
            report.add(rel, f"service '{name}': {key} belongs in the image or a secret, not the environment")
    if "runner.env" not in (s.get("env_file") or []):
        report.add(rel, f"service '{name}': a runner needs env_file runner.env for its settings")
    if s.get("ports"):
        report.add(rel, f"service '{name}': a runner publishes no ports")
    if s.get("init") is not True:
        report.add(rel, f"service '{name}': a runner needs init: true (PID 1 forwards signals)")
    grace = str(s.get("stop_grace_period") or "")
    drain = image.get("drain_seconds", 900)
    if not re.fullmatch(r"[0-9]+s", grace) or int(grace[:-1]) < drain + 30:
        report.add(rel, f"service '{name}': stop_grace_period {grace!r} leaves no time to drain {drain}s and deregister")
    secret = RUNNER_SECRETS.get(image.get("auth", "app"))
    if s.get("secrets") != [secret]:
        report.add(rel, f"service '{name}': secrets are {s.get('secrets')!r}, the plan's auth says [{secret!r}]")
    declared = ((compose or {}).get("secrets") or {}).get(secret) or {}
    if declared.get("file") != f"secrets/{secret}":
        report.add(rel, f"service '{name}': secret {secret!r} is not declared as a file in secrets/")
    logging = s.get("logging") or {}
    if logging.get("driver") != "json-file" or not (logging.get("options") or {}).get("max-size"):
        report.add(rel, f"service '{name}': a runner's logs need a size bound")
    pids = (((s.get("deploy") or {}).get("resources") or {}).get("limits") or {}).get("pids")
    if not isinstance(pids, int) or pids <= 0:
        report.add(rel, f"service '{name}': a runner needs deploy.resources.limits.pids")
    docker = image.get("docker", "none")
    if docker == "dind":
        sidecar = ((compose or {}).get("services") or {}).get(f"{name}-dind") or {}
        if sidecar.get("privileged") is not True or (sidecar.get("environment") or {}).get("DOCKER_TLS_CERTDIR") != "/certs":
            report.add(rel, f"service '{name}': docker dind needs a privileged {name}-dind service with TLS")
        if env.get("DOCKER_HOST") != f"tcp://{name}-dind:2376" or env.get("DOCKER_TLS_VERIFY") != "1":
            report.add(rel, f"service '{name}': docker dind needs DOCKER_HOST and DOCKER_TLS_VERIFY for {name}-dind")


def check_deploy(rel, name, image, deploy, report):
    resources = deploy.get("resources") or {}
    for plan_key, compose_key in (("limits", "limits"), ("reserve", "reservations")):
        want = {k: v for k, v in (image.get(plan_key) or {}).items() if v}
        got = {k: str(v) for k, v in (resources.get(compose_key) or {}).items() if k != "pids"}
        if got != want:
            report.add(rel, f"service '{name}': deploy.resources.{compose_key} is {got}, the plan says {want}")
    if deploy.get("replicas") != image.get("replicas"):
        report.add(rel, f"service '{name}': deploy.replicas is {deploy.get('replicas')!r}, the plan says {image.get('replicas')!r}")


def check_dev_service(rel, name, image, dev, s, layout, report):
    """A target's development service: its target built, profile dev, the sources
    bind-mounted where the image copies them, watched, the environment the target
    has."""
    if s is None:
        report.add(rel, f"target '{dev['target']}' of image '{image['name']}' has no service {name}")
        return
    build = s.get("build") or {}
    if build.get("target") != dev["target"]:
        report.add(rel, f"service '{name}': build.target is {build.get('target')!r}, the plan says {dev['target']!r}")
    if s.get("profiles") != ["dev"]:
        report.add(rel, f"service '{name}': a development service belongs to profile dev")
    context = ".."
    def host(path):
        return context if path in (".", "") else (path if context == "." else f"{context}/{path}")
    want_volumes = [f"{host(b['source'])}:{b['target']}" for b in dev.get("binds") or []] + list(dev.get("keep") or [])
    if (s.get("volumes") or []) != want_volumes:
        report.add(rel, f"service '{name}': volumes are {s.get('volumes')!r}, the plan's sources say {want_volumes!r}")
    watch = ((s.get("develop") or {}).get("watch")) or []
    want_watch = [{"action": "sync", "path": host(b["source"]), "target": b["target"]} for b in dev.get("binds") or []]
    want_watch += [{"action": "rebuild", "path": host(f)} for f in dev.get("rebuild_on") or []]
    if watch != want_watch:
        report.add(rel, f"service '{name}': develop.watch is {watch!r}, the plan says {want_watch!r}")
    env = s.get("environment") or {}
    for key, value in (dev.get("env") or {}).items():
        if env.get(key) != value:
            report.add(rel, f"service '{name}': environment {key} is {env.get(key)!r}, the plan says {value!r}")


def check_build_secrets(rel, images, services, compose, report):
    """Build secrets reach `docker compose build` from the environment variable the
    plan names, for the image's service and its development services."""
    declared = (compose or {}).get("secrets") or {}
    for image in images:
        secrets = image.get("build_secrets") or []
        ids = [s["id"] for s in secrets]
        names = [image["name"]] + [f"{image['name']}-{d['target']}" for d in image.get("dev_services") or []]
        for name in names:
            got = ((services.get(name) or {}).get("build") or {}).get("secrets")
            if (got or []) != ids:
                report.add(rel, f"service '{name}': build.secrets is {got!r}, the plan says {ids!r}")
        for secret in secrets:
            if (declared.get(secret["id"]) or {}).get("environment") != secret["env"]:
                report.add(rel, f"secret '{secret['id']}' must come from the environment variable {secret['env']}")


def check_healthcheck(rel, name, plan_hc, compose_hc, report):
    if not plan_hc:
        if compose_hc:
            report.add(rel, f"service '{name}': a healthcheck the plan does not have")
        return
    if plan_hc.get("exec"):
        want = {"test": ["CMD"] + plan_hc["exec"]}
    else:
        want = {"test": ["CMD-SHELL", plan_hc["command"]]}
    for plan_key, compose_key in (("interval", "interval"), ("timeout", "timeout"),
                                  ("retries", "retries"), ("start", "start_period")):
        if plan_hc.get(plan_key) not in ("", None):
            want[compose_key] = plan_hc[plan_key]
    if (compose_hc or {}) != want:
        report.add(rel, f"service '{name}': healthcheck is {compose_hc!r}, the plan says {want!r}")


def check_bake_agreement(images, builds, layout, report):
    rel = "docker-bake.json"
    expected = {}
    for image in images:
        dockerfile = f"{layout.output_dir}/{image['dockerfile']}"
        base = {"dockerfile": dockerfile, "target": image.get("default_target", "final"),
                "tags": [image["image"]], "platforms": image.get("platforms") or [],
                "args": image.get("build_args") or {}}
        pairs = [p.replace("/", "-") for p in image.get("platforms") or [CI_DEFAULT_PLATFORM]]
        own = [f"type=registry,ref={image['cache_ref']}-{pair}" for pair in pairs] if image.get("cache_ref") else []
        if own:
            base["cache-from"] = own
        base["cache-to"] = None
        # A build secret from the environment of `docker buildx bake`, as Compose reads it.
        secrets = [f"id={x['id']},env={x['env']}" for x in image.get("build_secrets") or []]
        base["secret"] = secrets or None
        expected[image["name"]] = base
        for extra in image.get("targets") or []:
            x = {"dockerfile": dockerfile, "target": extra, "tags": [f"{image['image']}-{extra}"],
                 "platforms": image.get("platforms") or [], "args": image.get("build_args") or {},
                 "cache-to": None, "secret": secrets or None}
            if own:
                x["cache-from"] = [f"type=registry,ref={image['cache_ref']}-{extra}-{pair}"
                                   for pair in pairs] + own
            expected[f"{image['name']}-{extra}"] = x
    for name in builds:
        if name not in expected:
            report.add(rel, f"target '{name}' is neither an image nor an extra target of the plan")
    for name, want in expected.items():
        got = builds.get(name)
        if got is None:
            report.add(rel, f"'{name}' of the plan is not a target of group 'default'")
            continue
        for key, value in want.items():
            have = got.get(key, [] if key == "platforms" else {} if key == "args" else None)
            if have != value:
                report.add(rel, f"target '{name}': {key} is {have!r}, the plan says {value!r}")


def check_workflow_agreement(builds, workflow, layout, report, bake=None, plan=None):
    """The workflow builds through the Bake file: every bake-action step runs from the
    output directory with docker-bake.hcl, a ci-PLATFORM group and that platform, and
    together the jobs build every target for each of its platforms, once for pull
    requests and once for pushes (with docker-bake.ci.hcl)."""
    rel = "github/build-images.yml"
    check_workflow_cache_inputs(workflow, rel, report)
    groups = ((bake or {}).get("group") or {})
    want = set()
    for name, t in builds.items():
        for platform in t.get("platforms") or [CI_DEFAULT_PLATFORM]:
            want.add((name, platform))
    built = {"pull request": [], "push": []}
    roots = {}
    ci_platforms = {p["platform"]: p for p in ((plan or {}).get("ci") or {}).get("platforms") or []}
    for job_name, job, step in bake_steps(workflow):
        w = step.get("with") or {}
        files = split_list(w.get("files"), r"[,\n]")
        kind = "push" if "./docker-bake.ci.hcl" in files else "pull request"
        where = f"job '{job_name}' step '{step.get('name', 'bake')}'"
        source = os.path.normpath(str(w.get("source", "")))
        if source not in roots:
            roots[source] = repo_root_for_source(layout, source, report, rel)
        if not files or files[0] != "./docker-bake.hcl":
            report.add(rel, f"{where}: does not build from ./docker-bake.hcl (files: {files!r})")
        if kind == "push" and files.index("./docker-bake.ci.hcl") < files.index("./docker-bake.hcl") \
                if "./docker-bake.hcl" in files else False:
            report.add(rel, f"{where}: docker-bake.ci.hcl must come after docker-bake.hcl")
        # Each build secret's variable, from the repository secret of that name.
        for secret in {x["env"] for i in (plan or {}).get("images") or [] for x in i.get("build_secrets") or []}:
            got = (step.get("env") or {}).get(secret)
            if got != f"${{{{ secrets.{secret} }}}}":
                report.add(rel, f"{where}: env.{secret} is {got!r}, not the repository secret ${{{{ secrets.{secret} }}}} "
                                "the Bake file's build secret reads")
        platforms = [s[len("*.platform="):] for s in split_list(w.get("set"), r"\n") if s.startswith("*.platform=")]
        if len(platforms) != 1:
            report.add(rel, f"{where}: sets {len(platforms)} platforms, not the one of its job")
            continue
        platform = platforms[0]
        group = str(w.get("targets", ""))
        members = (groups.get(group) or {}).get("targets")
        if members is None:
            report.add(rel, f"{where}: builds '{group}', which is not a group of the Bake file")
            continue
        for name in members:
            if (name, platform) not in want:
                report.add(rel, f"{where}: builds '{name}' for {platform}, which the Bake file does not ask for")
            built[kind].append((name, platform))
        check_job_runner(job_name, job, platform, ci_platforms.get(platform), rel, report)
    for kind, pairs in built.items():
        for name, platform in sorted(want - set(pairs)):
            report.add(rel, f"bake target '{name}' is not built for {platform} on a {kind}")
        for pair in sorted({p for p in pairs if pairs.count(p) > 1}):
            report.add(rel, f"'{pair[0]}' is built for {pair[1]} twice on a {kind}")


def bake_steps(workflow):
    for job_name, job in ((workflow or {}).get("jobs") or {}).items():
        for step in (job or {}).get("steps") or []:
            if str((step or {}).get("uses", "")).startswith("docker/bake-action@"):
                yield job_name, job, step


def check_job_runner(job_name, job, platform, ci, rel, report):
    """A job builds its platform on the runner the plan names, with QEMU exactly when
    the plan emulates it."""
    if ci is None:
        report.add(rel, f"job '{job_name}': builds {platform}, which the plan's CI does not build")
        return
    runs_on = job.get("runs-on")
    runs_on = [runs_on] if isinstance(runs_on, str) else runs_on
    if runs_on != ci.get("runs_on"):
        report.add(rel, f"job '{job_name}': runs on {runs_on!r}, the plan's runner for {platform} is {ci.get('runs_on')!r}")
    qemu = any(str((s or {}).get("uses", "")).startswith("docker/setup-qemu-action@") for s in job.get("steps") or [])
    if qemu != bool(ci.get("qemu")):
        report.add(rel, f"job '{job_name}': {'sets up' if qemu else 'does not set up'} QEMU, "
                   f"the plan {'emulates' if ci.get('qemu') else 'builds natively'} {platform}")


def check_workflow_cache_inputs(workflow, rel, report):
    """Every cache entry the workflow passes itself (build-push-action's cache-from and
    cache-to, which it splits on newlines; Bake `set` overrides) is one cache."""
    for job_name, job in ((workflow or {}).get("jobs") or {}).items():
        for step in (job or {}).get("steps") or []:
            uses = str((step or {}).get("uses", ""))
            w = (step or {}).get("with") or {}
            entries = []
            if uses.startswith("docker/build-push-action@"):
                for key in ("cache-from", "cache-to"):
                    entries += [(key, e) for e in split_list(w.get(key), r"\n")]
            if uses.startswith("docker/bake-action@"):
                for line in split_list(w.get("set"), r"\n"):
                    m = re.match(r"^[^.=]+\.(cache-from|cache-to)=(.*)$", line)
                    if m:
                        entries.append((m.group(1), m.group(2)))
            for key, entry in entries:
                if "${{" in entry:
                    report.add(rel, f"job '{job_name}': {key} '{entry}' is an expression this check cannot follow")
                    continue
                problem = cache_entry_problem(entry)
                if problem:
                    report.add(rel, f"job '{job_name}': {key} {problem}")


def check_cache_mounts(plan, out, report):
    """github/cache-mounts.Dockerfile moves exactly the cache mounts the Dockerfiles
    use (id and owner: BuildKit keeps a cache per both), in each of its stages."""
    used = set()
    for image in plan.get("images") or []:
        path = os.path.join(out, image["dockerfile"])
        if os.path.isfile(path):
            used |= mounts_in(read(path))
    helper = os.path.join(out, HELPER)
    if not os.path.isfile(helper):
        if used:
            report.add(HELPER, f"missing, although the Dockerfiles use {len(used)} cache mounts")
        return
    stages = re.split(r"^FROM ", read(helper), flags=re.M)[1:]
    for stage in stages:
        name = stage.split("\n", 1)[0].split(" AS ")[-1]
        have = mounts_in(stage)
        if name == "export":
            continue
        for m in sorted(used - have):
            report.add(HELPER, f"stage '{name}' does not carry the cache mount {dict(m)}")
        for m in sorted(have - used):
            report.add(HELPER, f"stage '{name}' carries {dict(m)}, which no Dockerfile mounts")
    planned = set()
    for c in (plan.get("ci") or {}).get("cache_mounts") or []:
        planned.add(tuple(sorted({"id": c["id"] + ("-${TARGETARCH}" if c.get("per_platform") else ""),
                                  **({"uid": str(c["uid"])} if "uid" in c else {}),
                                  **({"gid": str(c["gid"])} if "gid" in c else {})}.items())))
    if planned != used:
        report.add(HELPER, f"the plan's cache mounts {sorted(planned)} are not the Dockerfiles' {sorted(used)}")


def mounts_in(text):
    """The cache mounts of a Dockerfile's text, as (key, value) tuples of id, uid, gid."""
    out = set()
    for m in CACHE_MOUNT.finditer(text):
        fields = cache_fields(m.group(1))
        out.add(tuple(sorted((k, v) for k, v in fields.items() if k in ("id", "uid", "gid"))))
    return out


def check_runs_on(runners, runs_on, report):
    rel = "github/runs-on.yml"
    if not isinstance(runs_on, dict):
        report.add(rel, "should map each runner to its label sets")
        return
    names = [r["name"] for r in runners]
    for name in runs_on:
        if name not in names:
            report.add(rel, f"'{name}' is not a runner of the plan")
    for runner in runners:
        sets = runs_on.get(runner["name"])
        if not isinstance(sets, dict):
            report.add(rel, f"runner '{runner['name']}' has no label sets")
            continue
        labels = runner.get("runner_labels") or []
        pool = runner.get("pool_label")
        if not pool or not labels or labels[0] != pool:
            report.add(rel, f"runner '{runner['name']}': its pool's own label must come first in its labels")
        if runner.get("scale_set"):
            # A scale set's name is the one label a job needs (no self-hosted label).
            name = runner["scale_set"]["name"]
            want = {"scale-set": name, "any": [name]}
        else:
            want = {"any": ["self-hosted", "linux", pool]}
            for arch in runner.get("runner_arches") or []:
                want[arch] = ["self-hosted", "linux", arch, pool]
        for key in sorted(set(want) | set(sets)):
            if sets.get(key) != want.get(key):
                report.add(rel, f"runner '{runner['name']}': {key} is {sets.get(key)!r}, the plan says {want.get(key)!r}")
        for label in labels:
            if not re.match(r"^[A-Za-z0-9._-]+$", label):
                report.add(rel, f"runner '{runner['name']}': label '{label}' cannot be registered (comma, space or quote)")


# ---------------------------------------------------------------- driver

def required_files(plan):
    files = ["compose.yaml", "docker-bake.hcl", "docker-bake.json", "docker-bake.ci.hcl",
             "docker-bake.ci.json"]
    ci = plan.get("ci") or {}
    workflow = ci.get("workflow", "github/build-images.yml")
    if not workflow.startswith(":/"):  # `ci-workflow`: in the repository, checked there
        files.append(workflow)
    if ci.get("cache_mounts"):
        files.append(HELPER)
    files += [i["dockerfile"] for i in plan.get("images") or []]
    if any(i.get("kind") == "runner" for i in plan.get("images") or []):
        files += ["github/runs-on.yml", "runner.env.example", "runner-entrypoint.sh"]
    files += [i["scale_set"]["values_file"] for i in plan.get("images") or [] if i.get("scale_set")]
    return files


def check_output_dir(out, plan):
    report = Report(out)
    layout = Layout(out, plan)
    for rel in required_files(plan):
        if not os.path.isfile(os.path.join(out, rel)):
            report.add(rel, "missing, although the plan calls for it")

    def present(rel):
        return os.path.isfile(os.path.join(out, rel))

    compose = check_compose_tools(out, report) if present("compose.yaml") else None
    for rel in ("compose.yaml", "github/build-images.yml", "github/runs-on.yml"):
        if present(rel):
            run_yamllint(out, rel, report)
    bake = ci_bake = None
    if present("docker-bake.json") and present("docker-bake.hcl"):
        bake, ci_bake = check_bake(out, layout, report)
    workflow = runs_on = None
    for rel in ("github/build-images.yml", "github/runs-on.yml"):
        if not present(rel):
            continue
        try:
            data = load_yaml(os.path.join(out, rel))
        except yaml.YAMLError as e:
            report.add(rel, f"YAML: {e}".replace("\n", " "))
            continue
        if rel.endswith("build-images.yml"):
            workflow = data
        else:
            runs_on = data
    try:
        check_agreement(plan, layout, compose, bake, workflow, runs_on, report)
        check_cache_mounts(plan, out, report)
    except (AttributeError, KeyError, TypeError) as e:
        # A value of the wrong type, which the checks above report; the comparison stops.
        report.add("", f"agreement not checked to the end: a value has an unexpected type ({e!r})")
    return report.findings


def plan_for(spec_dir, rigc):
    fixture = os.path.join(spec_dir, "plan.json")
    if os.path.isfile(fixture):
        with open(fixture, encoding="utf-8") as f:
            return json.load(f)
    r = subprocess.run([rigc, "plan", "Rigfile", "--format", "json"], cwd=spec_dir,
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"rigc plan failed in {spec_dir}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def output_dirs(roots):
    dirs = []
    for root in roots:
        for case in sorted(os.listdir(root)):
            spec_dir = os.path.join(root, case)
            if not os.path.isfile(os.path.join(spec_dir, "Rigfile")):
                continue
            for sub in ("docker", "expected"):
                if os.path.isdir(os.path.join(spec_dir, sub)):
                    dirs.append(os.path.join(spec_dir, sub))
    return dirs


def check_roots(rigc, roots):
    passed = failed = 0
    for out in output_dirs(roots):
        try:
            findings = check_output_dir(out, plan_for(os.path.dirname(out), rigc))
        except RuntimeError as e:
            findings = [str(e)]
        for f in findings:
            print(f)
        if findings:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def materialize(case_dir, tmp):
    """A fixture case as an output directory: fixtures/outputs/<base> (default
    `runners`) with the case's files laid over it and the paths in its `remove`
    file deleted. Returns (output_dir, expected finding substrings)."""
    base = "runners"
    if os.path.isfile(os.path.join(case_dir, "base")):
        with open(os.path.join(case_dir, "base"), encoding="utf-8") as f:
            base = f.read().strip()
    spec_dir = os.path.join(tmp, base)
    shutil.copytree(os.path.join(FIXTURES, "outputs", base), spec_dir)
    expect = []
    for dirpath, _, names in os.walk(case_dir):
        for name in names:
            src = os.path.join(dirpath, name)
            rel = os.path.relpath(src, case_dir)
            if rel in ("base", "expect", "remove"):
                continue
            dst = os.path.join(spec_dir, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
    if os.path.isfile(os.path.join(case_dir, "remove")):
        with open(os.path.join(case_dir, "remove"), encoding="utf-8") as f:
            for line in f.read().split():
                os.remove(os.path.join(spec_dir, line))
    if os.path.isfile(os.path.join(case_dir, "expect")):
        with open(os.path.join(case_dir, "expect"), encoding="utf-8") as f:
            expect = [line.strip() for line in f if line.strip()]
    return os.path.join(spec_dir, "docker"), expect


def selftest(formats):
    failures = 0
    goods = sorted(os.listdir(os.path.join(FIXTURES, "outputs")))
    cases = [os.path.join(FIXTURES, fmt, c) for fmt in formats for c in sorted(os.listdir(os.path.join(FIXTURES, fmt)))]
    for good in goods:
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(FIXTURES, "outputs", good), os.path.join(tmp, good))
            out = os.path.join(tmp, good, "docker")
            with open(os.path.join(os.path.dirname(out), "plan.json"), encoding="utf-8") as f:
                findings = check_output_dir(out, json.load(f))
        if findings:
            failures += 1
            print(f"FAIL good fixture outputs/{good} was rejected:")
            for f in findings:
                print("    " + f)
        else:
            print(f"ok   outputs/{good} passes")
    for case in cases:
        with tempfile.TemporaryDirectory() as tmp:
            out, expect = materialize(case, tmp)
            with open(os.path.join(os.path.dirname(out), "plan.json"), encoding="utf-8") as f:
                findings = check_output_dir(out, json.load(f))
        name = os.path.relpath(case, FIXTURES)
        missing = [e for e in expect if not any(e in f for f in findings)]
        if not expect or missing:
            failures += 1
            print(f"FAIL {name}: expected a finding containing {missing or '(no expect file)'}; got:")
            for f in findings:
                print("    " + f)
        else:
            print(f"ok   {name} is reported: {[f.split(': ', 1)[1] for f in findings if any(e in f for e in expect)][0]}")
    print(f"{len(goods) + len(cases) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rigc", help="the rigc binary, for `rigc plan --format json`")
    parser.add_argument("--selftest", action="store_true", help="check the fixtures instead")
    parser.add_argument("roots", nargs="*")
    args = parser.parse_args()
    if args.selftest:
        return selftest(["compose", "bake", "agreement"])
    if not args.rigc or not args.roots:
        parser.error("give --rigc RIGC and at least one ROOT, or --selftest")
    return check_roots(os.path.abspath(args.rigc), args.roots)


if __name__ == "__main__":
    sys.exit(main())
