#!/usr/bin/env python3
"""The values files rigc writes for ARC's gha-runner-scale-set chart, judged offline.

  check_arc.py --rigc RIGC ROOT...   every arc/*.values.yaml of ROOT/*/docker and
                                     ROOT/*/expected beside a Rigfile
  check_arc.py --selftest            fixtures/arc: the good files pass, each broken
                                     case fails with the text of its `expect`

Each values file:
  - yamllint (default rules; no document-start marker, lines up to 120) without a
    problem, and YAML without duplicate keys;
  - the values schema (arc/values.schema.json): only keys the chart knows, integer
    min/maxRunners (the chart drops any other kind silently), a Secret's name;
  - rendered as `helm template` renders the chart (arc_chart.py; its `fail`
    checks kept) into an AutoscalingRunnerSet, whose spec must pass the strict
    schema written from ARC's CRD (arc/autoscalingrunnerset.schema.json);
  - min <= max; container names unique in the pod; every volume mount names a
    volume; every container (init containers and sidecars too) with CPU and
    memory requests and limits, requests within limits;
  - the runner template, the listener template and the runner Pod the controller
    makes (with the JIT configuration it injects) through Kubernetes' own schemas
    (kubernetes-models, check_pods.mjs);
  - with --rigc, agreement with `rigc plan --format json`: the scale set's name,
    labels and bounds, the image, the entrypoint as the command, the runner
    user's uid and gid, a cache volume at each cache's path.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import arc_chart  # noqa: E402

YAMLLINT_CONFIG = "{extends: default, rules: {document-start: disable, line-length: {max: 120}}}"
GITHUB_URL_FOR_INSTALL = "https://github.com/example-org"  # what docs/kubernetes.md has users --set
ENTRYPOINT = "/usr/local/bin/runner-entrypoint.sh"


def load_schema(name):
    with open(os.path.join(HERE, "arc", name)) as f:
        return json.load(f)


VALUES_SCHEMA = load_schema("values.schema.json")
ARS_SCHEMA = load_schema("autoscalingrunnerset.schema.json")


class UniqueKeyLoader(yaml.SafeLoader):
    pass


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def schema_findings(schema, instance, what):
    validator = jsonschema.Draft7Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        out.append(f"{what}: {where}: {err.message}")
    return out


def quantity_value(q, cpu):
    """A quantity as a number (cores or bytes) for comparisons; None if unknown."""
    if isinstance(q, int):
        return float(q)
    m = re.fullmatch(r"([0-9.]+)([numkMGTPE]i?|)", str(q))
    if not m:
        return None
    number = float(m.group(1))
    factors = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
               "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "n": 1e-9, "u": 1e-6}
    return number * factors.get(m.group(2), 1) if (cpu or m.group(2) not in ("n", "u")) else None


def pod_findings(spec, what):
    """What the API server or a namespace's quota would refuse of a pod spec."""
    out = []
    containers = list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
    names = [c.get("name") for c in containers]
    for name in sorted({n for n in names if names.count(n) > 1}):
        out.append(f"{what}: two containers named '{name}' (containerMode and a template's own sidecar?)")
    volumes = {v.get("name") for v in spec.get("volumes") or []}
    for c in containers:
        for m in c.get("volumeMounts") or []:
            if m.get("name") not in volumes:
                out.append(f"{what}: container '{c.get('name')}' mounts '{m.get('name')}', which is no volume of the pod")
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(kind) or {}):
                    out.append(f"{what}: container '{c.get('name')}' has no {kind}.{r} (a namespace quota refuses it)")
        for r in ("cpu", "memory"):
            req = quantity_value((res.get("requests") or {}).get(r, 0), r == "cpu")
            lim = quantity_value((res.get("limits") or {}).get(r, 0), r == "cpu")
            if req is not None and lim is not None and (res.get("limits") or {}).get(r) is not None and req > lim:
                out.append(f"{what}: container '{c.get('name')}' requests more {r} than its limit")
    return out


def kubernetes_findings(items):
    """check_pods.mjs over [{where, kind, object}]."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(items, f)
        path = f.name
    try:
        r = subprocess.run(["node", os.path.join(HERE, "check_pods.mjs"), path], capture_output=True, text=True,
                           cwd=HERE)
    finally:
        os.unlink(path)
    if r.returncode not in (0, 1) or (r.returncode == 1 and not r.stdout.strip()):
        return [f"check_pods.mjs failed (exit {r.returncode}): {r.stderr.strip()}"]
    return [line for line in r.stdout.splitlines() if line.strip()]


def check_values(path, plan_image=None):
    """Findings for one values file: (findings, kubernetes items to validate)."""
    rel = os.path.basename(path)
    findings = []
    r = subprocess.run(["yamllint", "-f", "parsable", "-d", YAMLLINT_CONFIG, path], capture_output=True, text=True)
    findings += [f"{rel}: yamllint: {line.split(':', 3)[-1].strip()}" for line in r.stdout.splitlines() if line.strip()]
    try:
        with open(path) as f:
            values = yaml.load(f, Loader=UniqueKeyLoader)
    except yaml.YAMLError as e:
        return findings + [f"{rel}: YAML: {e}".replace("\n", " ")], []
    if not isinstance(values, dict):
        return findings + [f"{rel}: not a mapping"], []
    findings += schema_findings(VALUES_SCHEMA, values, f"{rel}: values")
    render_values = dict(values)
    if not render_values.get("githubConfigUrl"):
        render_values["githubConfigUrl"] = GITHUB_URL_FOR_INSTALL
    release = str(values.get("runnerScaleSetName") or "release")
    try:
        ars = arc_chart.render(render_values, release)
    except arc_chart.ChartError as e:
        return findings + [f"{rel}: helm template would fail: {e}"], []
    except (AttributeError, TypeError) as e:
        return findings + [f"{rel}: the chart cannot render it: {e}"], []
    spec = ars["spec"]
    findings += schema_findings(ARS_SCHEMA, spec, f"{rel}: AutoscalingRunnerSet spec")
    lo, hi = spec.get("minRunners"), spec.get("maxRunners")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        findings.append(f"{rel}: minRunners {lo} is more than maxRunners {hi}")
    tmpl = (spec.get("template") or {}).get("spec") or {}
    findings += pod_findings(tmpl, f"{rel}: template")
    listener = (spec.get("listenerTemplate") or {}).get("spec") or {}
    findings += pod_findings({"containers": [dict(c, image="listener") for c in listener.get("containers") or []]},
                             f"{rel}: listenerTemplate")
    items = [{"where": f"{rel}: template", "kind": "PodTemplateSpec", "object": spec.get("template") or {}},
             {"where": f"{rel}: listenerTemplate", "kind": "PodTemplateSpec", "object": spec.get("listenerTemplate") or {}}]
    try:
        pod = arc_chart.runner_pod(ars, f"{release}-abcde-runner-fghij")
        items.append({"where": f"{rel}: runner pod", "kind": "Pod", "object": pod})
    except (KeyError, TypeError, AttributeError) as e:
        findings.append(f"{rel}: no runner pod can be made of it: {e}")
    if plan_image is not None:
        findings += plan_findings(rel, values, spec, plan_image)
    return findings, items


def plan_findings(rel, values, spec, image):
    out = []
    want = image.get("scale_set")
    if not want:
        return [f"{rel}: image '{image['name']}' has no scale set in the plan"]
    if spec.get("runnerScaleSetName") != want["name"]:
        out.append(f"{rel}: runnerScaleSetName {spec.get('runnerScaleSetName')!r}, the plan says {want['name']!r}")
    if spec.get("runnerScaleSetLabels") != want["labels"]:
        out.append(f"{rel}: scaleSetLabels {spec.get('runnerScaleSetLabels')!r}, the plan says {want['labels']!r}")
    if (spec.get("minRunners"), spec.get("maxRunners")) != (want["min_runners"], want["max_runners"]):
        out.append(f"{rel}: runners {spec.get('minRunners')}..{spec.get('maxRunners')}, the plan says "
                   f"{want['min_runners']}..{want['max_runners']}")
    mode = (values.get("containerMode") or {}).get("type") or ("dind" if want["container_mode"] == "dind" else "none")
    if mode != want["container_mode"] and not (want["container_mode"] == "dind" and mode == "dind"):
        out.append(f"{rel}: container mode {mode!r}, the plan says {want['container_mode']!r}")
    runner = next((c for c in spec["template"]["spec"].get("containers") or [] if c.get("name") == "runner"), {})
    if runner.get("image") != image["image"]:
        out.append(f"{rel}: runner image {runner.get('image')!r}, the plan says {image['image']!r}")
    if runner.get("command") != [ENTRYPOINT]:
        out.append(f"{rel}: the runner's command is {runner.get('command')!r}, not the image's entrypoint {ENTRYPOINT}")
    sc = runner.get("securityContext") or {}
    if (sc.get("runAsUser"), sc.get("runAsGroup")) != (image["user"]["uid"], image["user"]["gid"]):
        out.append(f"{rel}: runAsUser/runAsGroup {sc.get('runAsUser')}/{sc.get('runAsGroup')}, the plan's user is "
                   f"{image['user']['uid']}/{image['user']['gid']}")
    mounts = {m.get("mountPath"): m.get("name") for m in runner.get("volumeMounts") or []}
    volumes = {v.get("name"): v for v in spec["template"]["spec"].get("volumes") or []}
    for cache in image.get("caches") or []:
        name = mounts.get(cache["path"])
        claim = ((volumes.get(name) or {}).get("persistentVolumeClaim") or {}).get("claimName")
        if claim != cache["id"]:
            out.append(f"{rel}: cache {cache['name']} at {cache['path']} is not the claim {cache['id']}")
    return out


def output_dirs(roots):
    for root in roots:
        for case in sorted(os.listdir(root)):
            for sub in ("docker", "expected"):
                out = os.path.join(root, case, sub)
                if os.path.isdir(out) and os.path.isfile(os.path.join(root, case, "Rigfile")):
                    yield os.path.join(root, case, "Rigfile"), out


def check_roots(rigc, roots):
    findings, items, count = [], [], 0
    for spec_path, out in output_dirs(roots):
        plan = json.loads(subprocess.run([rigc, "plan", "--format", "json", spec_path], capture_output=True,
                                         text=True, check=True).stdout)
        images = {i["name"]: i for i in plan.get("images") or []}
        arc_dir = os.path.join(out, "arc")
        present = sorted(os.listdir(arc_dir)) if os.path.isdir(arc_dir) else []
        wanted = sorted(f"{i['name']}.values.yaml" for i in images.values() if i.get("scale_set"))
        if present != wanted:
            findings.append(f"{out}/arc: files {present}, the plan's scale sets want {wanted}")
        for name in present:
            count += 1
            f, i = check_values(os.path.join(arc_dir, name), images.get(name[: -len(".values.yaml")]))
            findings += [f"{out}/arc/{x}" for x in f]
            items += [dict(x, where=f"{out}/arc/{x['where']}") for x in i]
    findings += kubernetes_findings(items)
    return count, findings


def selftest():
    base = os.path.join(HERE, "fixtures", "arc")
    problems, good = [], 0
    for name in sorted(os.listdir(os.path.join(base, "good"))):
        f, i = check_values(os.path.join(base, "good", name))
        f += kubernetes_findings(i)
        good += 1
        if f:
            problems.append(f"good/{name} should pass: {f}")
    cases = sorted(d for d in os.listdir(base) if d != "good")
    for case in cases:
        f, i = check_values(os.path.join(base, case, "values.yaml"))
        f += kubernetes_findings(i)
        with open(os.path.join(base, case, "expect")) as e:
            expected = [line.strip() for line in e if line.strip()]
        for want in expected:
            if not any(want in x for x in f):
                problems.append(f"{case}: expected a finding with {want!r}, got {f}")
    for p in problems:
        print(p)
    print(f"selftest: {good} good values files pass, {len(cases)} broken ones fail as expected"
          if not problems else f"selftest: {len(problems)} problem(s)")
    return 1 if problems else 0


def main(argv):
    if argv[1:2] == ["--selftest"]:
        return selftest()
    if len(argv) < 4 or argv[1] != "--rigc":
        print(__doc__)
        return 2
    count, findings = check_roots(argv[2], argv[3:])
    for f in findings:
        print(f)
    print(f"{count} values files checked, {len(findings)} finding(s)")
    return 1 if findings or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
