#!/usr/bin/python3
"""Bake's own reading of the Bake files rigc generates: `docker buildx bake --print`
(buildx 0.13.1 from Debian 13, installed by buildx.sh) on each output directory.

  check_bake_print.py BUILDX ROOT...     every ROOT/*/docker and ROOT/*/expected
  check_bake_print.py BUILDX --selftest  the good fixtures pass, broken copies fail

Per output directory, from the directory itself, as the generated workflow runs it:
  - docker-bake.hcl and docker-bake.json each print without an error, the same
    targets with the same attributes, and as check_outputs.py reads the JSON
    (inherits resolved, variables substituted): context, dockerfile, target, tags,
    platforms, args, cache-from; and no cache-to, output or attest (a plain bake
    needs no registry rights);
  - for each ci-PLATFORM group, as a CI job on the default branch builds it:
    docker-bake.hcl, docker-bake.ci.hcl and a bake file like metadata-action's, with
    PLATFORM_PAIR and `--set *.platform=PLATFORM`: each target of the group on that
    platform only, the image's title over metadata's, metadata's version and
    revision labels, a registry cache written for that platform that the target
    reads, pushed by digest with provenance and SBOM attestations.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import check_outputs

# What metadata-action's bake-file-labels output holds (its README's example).
METADATA = {"target": {"docker-metadata-action": {"labels": {
    "org.opencontainers.image.title": "the-repository",
    "org.opencontainers.image.version": "20261206",
    "org.opencontainers.image.revision": "860c1904a1ce19322e91ac35af1ab07466440c37"}}}}
COMPARED = ("context", "dockerfile", "target", "tags", "platforms", "args", "cache-from")


def bake_print(buildx, out, files, targets=(), sets=(), env=None):
    """The JSON `bake --print` prints, or an error message."""
    args = [buildx, "bake", "--print"]
    for f in files:
        args += ["-f", f]
    for s in sets:
        args += ["--set", s]
    r = subprocess.run(args + list(targets), cwd=out, capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})), check=False)
    if r.returncode != 0:
        return None, " ".join((r.stderr or r.stdout).split())[-400:]
    try:
        return json.loads(r.stdout), None
    except ValueError as e:
        return None, f"not JSON: {e}"


def check_local(buildx, out, bake, findings):
    """docker-bake.hcl and docker-bake.json, as a developer runs them."""
    printed = {}
    for name in ("docker-bake.hcl", "docker-bake.json"):
        doc, error = bake_print(buildx, out, [name])
        if error:
            findings.append(f"{name}: bake --print fails: {error}")
            continue
        printed[name] = doc.get("target") or {}
    if len(printed) == 2 and printed["docker-bake.hcl"] != printed["docker-bake.json"]:
        findings.append("docker-bake.hcl and docker-bake.json print different targets")
    got = printed.get("docker-bake.hcl") or printed.get("docker-bake.json")
    if got is None:
        return
    want = check_outputs.bake_builds(bake)
    for name in sorted(set(want) | set(got)):
        if name not in got or name not in want:
            findings.append(f"target '{name}': {'not printed by Bake' if name in want else 'printed, not in the default group'}")
            continue
        for key in COMPARED:
            have, expected = got[name].get(key), want[name].get(key)
            if key == "context" and have is not None:
                have = os.path.normpath(have)
            if have != expected:
                findings.append(f"target '{name}': Bake reads {key} {have!r}, the file says {expected!r}")
        for key in ("cache-to", "output", "attest"):
            if got[name].get(key):
                findings.append(f"target '{name}': a plain bake has {key} {got[name][key]!r}")


def check_ci(buildx, out, bake, tmp, findings):
    """Each ci-PLATFORM group with CI's overlay and a metadata bake file."""
    meta = os.path.join(tmp, "bake-meta.json")
    with open(meta, "w", encoding="utf-8") as f:
        json.dump(METADATA, f)
    variables = check_outputs.bake_variables(bake)
    for group, members in sorted((bake.get("group") or {}).items()):
        if not group.startswith("ci-"):
            continue
        pair = group[3:]
        platform = next((p for t in check_outputs.bake_builds(bake).values()
                         for p in t.get("platforms") or [] if p.replace("/", "-") == pair),
                        pair.replace("-", "/", 1).replace("-", "/"))
        doc, error = bake_print(buildx, out, ["docker-bake.hcl", "docker-bake.ci.hcl", meta], [group],
                                [f"*.platform={platform}"], {"PLATFORM_PAIR": pair})
        if error:
            findings.append(f"{group}: bake --print with docker-bake.ci.hcl fails: {error}")
            continue
        got = doc.get("target") or {}
        if sorted(got) != sorted(members.get("targets") or []):
            findings.append(f"{group}: Bake builds {sorted(got)}, the group lists {members.get('targets')}")
        for name, t in got.items():
            check_ci_target(group, name, t, platform, pair, variables, findings)


def check_ci_target(group, name, t, platform, pair, variables, findings):
    where = f"{group}: target '{name}'"
    if t.get("platforms") != [platform]:
        findings.append(f"{where}: platforms {t.get('platforms')!r}, not the job's {platform}")
    labels = t.get("labels") or {}
    if labels.get("org.opencontainers.image.title") == "the-repository":
        findings.append(f"{where}: metadata-action's title replaces the image's")
    for key in ("version", "revision"):
        want = METADATA["target"]["docker-metadata-action"]["labels"][f"org.opencontainers.image.{key}"]
        if labels.get(f"org.opencontainers.image.{key}") != want:
            findings.append(f"{where}: label org.opencontainers.image.{key} is not metadata-action's")
    reads = t.get("cache-from") or []
    for entry in t.get("cache-to") or []:
        entry = entry if isinstance(entry, str) else ",".join(f"{k}={v}" for k, v in entry.items())
        fields = check_outputs.cache_fields(entry)
        if fields.get("type") != "registry":
            continue
        if not fields.get("ref", "").endswith(pair):
            findings.append(f"{where}: writes the cache {fields.get('ref')!r}, not this platform's")
        read = [check_outputs.cache_fields(r if isinstance(r, str) else ",".join(f"{k}={v}" for k, v in r.items())).get("ref")
                for r in reads]
        if fields.get("ref") not in read:
            findings.append(f"{where}: writes {fields.get('ref')!r}, which it does not read")
    outputs = " ".join(o if isinstance(o, str) else json.dumps(o) for o in t.get("output") or [])
    if (t.get("cache-to") and "type=registry" in json.dumps(t.get("cache-to"))) and "push-by-digest=true" not in outputs:
        findings.append(f"{where}: pushed, but not by digest: {outputs!r}")
    attest = json.dumps(t.get("attest") or [])
    if "push-by-digest=true" in outputs and ("provenance" not in attest or "sbom" not in attest):
        findings.append(f"{where}: a push without provenance and SBOM attestations")


def check_output_dir(buildx, out):
    findings = []
    try:
        bake = check_outputs.load_json(os.path.join(out, "docker-bake.json"))
    except (OSError, ValueError) as e:
        return [f"docker-bake.json: {e}"]
    check_local(buildx, out, bake, findings)
    if os.path.isfile(os.path.join(out, "docker-bake.ci.hcl")):
        with tempfile.TemporaryDirectory() as tmp:
            check_ci(buildx, out, bake, tmp, findings)
    return [f"{out}: {f}" for f in findings]


# Broken copies of a good fixture: each must be reported.
BROKEN = {
    "an unknown parent (HCL)": ("docker-bake.hcl", 'inherits   = ["_common"]\n  dockerfile = "docker/cpp.Dockerfile"',
                                'inherits   = ["_nothing"]\n  dockerfile = "docker/cpp.Dockerfile"',
                                "failed to find target _nothing"),
    "HCL and JSON disagree": ("docker-bake.json", '"target": "final"', '"target": "base"', "print different targets"),
    "a cache written locally": ("docker-bake.hcl", '  target     = "final"\n',
                                '  target     = "final"\n  cache-to   = ["type=registry,ref=x/y:z,mode=max"]\n',
                                "a plain bake has cache-to"),
    "CI writes a shared cache": ("docker-bake.ci.hcl", "buildcache-${PLATFORM_PAIR}", "buildcache",
                                 "not this platform's"),
    "the title from metadata": ("docker-bake.ci.hcl", '"org.opencontainers.image.title" = ', '"x.title" = ',
                                "metadata-action's title replaces the image's"),
    "an undefined variable": ("docker-bake.ci.hcl", "${PLATFORM_PAIR}", "${PLATFORM_PAIRS}", "bake --print with docker-bake.ci.hcl fails"),
}


def selftest(buildx):
    failures = 0
    good = os.path.join(check_outputs.FIXTURES, "outputs")
    for name in sorted(os.listdir(good)):
        findings = check_output_dir(buildx, os.path.join(good, name, "docker"))
        print(("ok   " if not findings else "FAIL ") + f"outputs/{name} " + ("passes" if not findings else "was rejected:"))
        for f in findings:
            print("    " + f)
        failures += bool(findings)
    for label, (rel, old, new, expect) in BROKEN.items():
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "docker")
            shutil.copytree(os.path.join(good, "runners", "docker"), out)
            path = os.path.join(out, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if old not in text:
                print(f"FAIL {label}: '{old}' is not in {rel}")
                failures += 1
                continue
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new))
            findings = check_output_dir(buildx, out)
        hit = [f for f in findings if expect in f]
        if hit:
            print(f"ok   {label} is reported: {hit[0].split(': ', 1)[1][:160]}")
        else:
            failures += 1
            print(f"FAIL {label}: expected a finding containing {expect!r}; got:")
            for f in findings:
                print("    " + f)
    print(f"{len(BROKEN) + len(os.listdir(good)) - failures} passed, {failures} failed")
    return 1 if failures else 0


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    buildx = os.path.abspath(sys.argv[1])
    if sys.argv[2] == "--selftest":
        return selftest(buildx)
    passed = failed = 0
    for out in check_outputs.output_dirs(sys.argv[2:]):
        findings = check_output_dir(buildx, out)
        for f in findings:
            print(f)
        if findings:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
