#!/usr/bin/env python3
"""Each renovate.json rigc writes, judged by Renovate's own files.

  check_renovate.py ROOT...     every ROOT/*/docker/renovate.json and
                                ROOT/*/expected/renovate.json beside a Rigfile
  check_renovate.py --selftest  broken copies of a good config, each rejected

From the renovate package of the npm registry, at the version pinned here (its
tarball's SHA-512 checked against the pin; only the tarball, not Renovate's
hundreds of dependencies): renovate-schema.json (JSON Schema draft 7, through
python3-jsonschema), the datasources it ships (dist/modules/datasource/*), and the
keys its config validator allows in a custom manager (dist/config/validation.js).
The schema lets unknown keys through, so every key must also be one the schema
names at its place (a misspelt option would otherwise pass). Each match string is
compiled by Node's RegExp and run on the spec, where it must find every pin of
its pack with the pinned version; the post-upgrade task must run `rigc pin` with
the matched pack, the new version and the spec.
"""
import base64
import copy
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile

import jsonschema

VERSION = "44.121.2"
INTEGRITY = ("sha512-gNsY+POw2UN3B4e8x0B5UK3onH1qF7wMirKGaUnJcSx3+xEWH4n35RS4rvVEtTIIV/"
             "BoZoFbsIo7njTb9Mydxg==")
HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "renovate-package", VERSION)


def renovate_files():
    """The schema, the datasource ids and the custom manager keys of the pinned
    Renovate, from its tarball (fetched once with `npm pack`)."""
    done = os.path.join(CACHE, "facts.json")
    if not os.path.exists(done):
        os.makedirs(CACHE, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", "--silent", f"renovate@{VERSION}", "--pack-destination", tmp],
                           check=True, stdout=subprocess.DEVNULL)
            tarball = os.path.join(tmp, f"renovate-{VERSION}.tgz")
            with open(tarball, "rb") as f:
                digest = "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
            if digest != INTEGRITY:
                sys.exit(f"renovate {VERSION}: tarball integrity {digest}, pinned {INTEGRITY}")
            with tarfile.open(tarball) as t:
                schema = json.load(t.extractfile("package/renovate-schema.json"))
                validation = t.extractfile("package/dist/config/validation.js").read().decode()
                datasources = sorted({m.group(1) for m in (re.match(r"package/dist/modules/datasource/([^/]+)/index\.js$", n)
                                                           for n in t.getnames()) if m})
        keys = re.search(r'if \(key === "customManagers"\) \{\s*const allowedKeys = \[(.*?)\];', validation, re.S)
        if not keys:
            sys.exit("renovate's validation.js no longer lists the custom manager keys where expected")
        facts = {"schema": schema, "datasources": datasources,
                 "manager_keys": re.findall(r'"([A-Za-z]+)"', keys.group(1))}
        with open(done + ".part", "w") as f:
            json.dump(facts, f)
        os.replace(done + ".part", done)
    with open(done) as f:
        return json.load(f)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ValueError(f"duplicate keys {sorted(dup)}")
    return dict(pairs)


def properties(schema, definition):
    """The property names a definition allows on its items (the first allOf branch)."""
    node = schema["definitions"][definition]
    items = node.get("items", node)
    return set(items["allOf"][0]["properties"])


def regex_matches(patterns, text):
    """For each JavaScript pattern: the named groups of every match in `text`, or
    an error string."""
    script = r"""
const [patterns, text] = JSON.parse(require('fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(patterns.map(p => {
  try { return [...text.matchAll(new RegExp(p, 'g'))].map(m => m.groups || {}); }
  catch (e) { return String(e.message); }
})));
"""
    r = subprocess.run(["node", "-e", script], input=json.dumps([patterns, text]), capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def problems(config_text, spec_text, facts):
    try:
        config = json.loads(config_text, object_pairs_hook=no_duplicates)
    except ValueError as e:
        return [f"not JSON: {e}"]
    schema = facts["schema"]
    out = [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}"
           for e in jsonschema.Draft7Validator(schema).iter_errors(config)]
    top = set(schema["properties"])
    out += [f"unknown top-level option '{k}'" for k in config if k not in top and k != "$schema"]
    managers = properties(schema, "customManagers")
    rules = properties(schema, "packageRules") | top
    tasks = properties(schema, "postUpgradeTasks")
    pins = re.findall(r"^\s*pin (\S+) (\S+) sha256", spec_text, re.M)
    for i, m in enumerate(config.get("customManagers", [])):
        where = f"customManagers[{i}]"
        out += [f"{where}: '{k}' is not a custom manager option" for k in m if k not in managers]
        out += [f"{where}: Renovate's validator refuses '{k}'" for k in m if k not in facts["manager_keys"]]
        if m.get("datasourceTemplate") not in facts["datasources"]:
            out.append(f"{where}: no Renovate datasource '{m.get('datasourceTemplate')}'")
        found = regex_matches(m.get("matchStrings", []), spec_text)
        pack = m.get("depNameTemplate")
        want = sorted(v for p, v in pins if p == pack)
        for pattern, result in zip(m.get("matchStrings", []), found):
            if isinstance(result, str):
                out.append(f"{where}: match string {pattern!r}: {result}")
            elif sorted(g.get("currentValue") for g in result) != want:
                out.append(f"{where}: {pattern!r} finds {[g.get('currentValue') for g in result]}, "
                           f"the spec pins {pack} at {want}")
    for i, rule in enumerate(config.get("packageRules", [])):
        out += [f"packageRules[{i}]: unknown option '{k}'" for k in rule if k not in rules]
        task = rule.get("postUpgradeTasks")
        if task is None:
            continue
        out += [f"packageRules[{i}].postUpgradeTasks: unknown option '{k}'" for k in task if k not in tasks]
        if not task.get("commands", [""])[0].startswith("rigc pin {{{depName}}} {{{newValue}}} {{{packageFile}}}"):
            out.append(f"packageRules[{i}]: the post-upgrade task does not run rigc pin with the update")
    if pins and not any("postUpgradeTasks" in r for r in config.get("packageRules", [])):
        out.append("no post-upgrade task writes the checksums")
    return out


def configs(roots):
    for root in roots:
        for spec in sorted(glob.glob(os.path.join(root, "*", "Rigfile"))):
            for out in ("docker", "expected"):
                path = os.path.join(os.path.dirname(spec), out, "renovate.json")
                if os.path.exists(path):
                    yield path, spec


def selftest(facts):
    """A good config passes; each broken copy fails for its reason."""
    good_spec = ("defaults {\n  renovate true\n  pin node 24.22.3 sha256 amd64 " + "a" * 64 + "\n}\n")
    good = {
        "$schema": "https://docs.renovatebot.com/renovate-schema.json",
        "description": ["Generated by rigc"],
        "customManagers": [{"customType": "regex", "managerFilePatterns": ["Rigfile"],
                            "matchStrings": [r"pin node (?<currentValue>\S+) sha256"],
                            "depNameTemplate": "node", "datasourceTemplate": "node-version",
                            "extractVersionTemplate": "^v?(?<version>.+)$"}],
        "packageRules": [{"matchManagers": ["custom.regex"], "matchDepNames": ["node"],
                          "postUpgradeTasks": {"commands": ["rigc pin {{{depName}}} {{{newValue}}} {{{packageFile}}}"],
                                               "executionMode": "update"}}],
    }
    failed = 0
    found = problems(json.dumps(good), good_spec, facts)
    if found:
        print("FAIL: the good config is rejected:", found)
        failed += 1
    cases = {
        "a misspelt top-level option": (lambda c: c.update(customManager=[]), "unknown top-level option"),
        "a customType Renovate lacks": (lambda c: c["customManagers"][0].update(customType="regexp"), "schema:"),
        "a wrong type": (lambda c: c.update(customManagers={}), "schema:"),
        "fileMatch, which this Renovate no longer takes": (
            lambda c: c["customManagers"][0].update(fileMatch=["Rigfile"]), "not a custom manager option"),
        "a datasource Renovate lacks": (
            lambda c: c["customManagers"][0].update(datasourceTemplate="node-versions"), "no Renovate datasource"),
        "a broken regular expression": (
            lambda c: c["customManagers"][0].update(matchStrings=["pin node (?<currentValue\\S+"]), "match string"),
        "a pattern that misses the pin": (
            lambda c: c["customManagers"][0].update(matchStrings=[r"pin nodejs (?<currentValue>\S+)"]), "finds []"),
        "a misspelt rule option": (lambda c: c["packageRules"][0].update(matchDepName=["node"]), "unknown option"),
        "a task that does not pin": (
            lambda c: c["packageRules"][0]["postUpgradeTasks"].update(commands=["rigc build Rigfile"]), "does not run rigc pin"),
        "no task": (lambda c: c.update(packageRules=[]), "no post-upgrade task"),
    }
    for name, (breaks, expect) in cases.items():
        config = copy.deepcopy(good)
        breaks(config)
        found = problems(json.dumps(config), good_spec, facts)
        if not any(expect in p for p in found):
            print(f"FAIL: {name} is not reported as '{expect}': {found}")
            failed += 1
    if problems('{"a": 1, "a": 2}', good_spec, facts) != ["not JSON: duplicate keys ['a']"]:
        print("FAIL: duplicate keys are not reported")
        failed += 1
    print(f"selftest: {len(cases) + 2 - failed} of {len(cases) + 2} checks behave")
    return 1 if failed else 0


def main(argv):
    facts = renovate_files()
    if argv == ["--selftest"]:
        return selftest(facts)
    found, checked = 0, 0
    for path, spec in configs(argv):
        checked += 1
        with open(path) as f, open(spec) as g:
            for p in problems(f.read(), g.read(), facts):
                print(f"{path}: {p}")
                found += 1
    if checked == 0:
        print("no renovate.json found under", " ".join(argv))
        return 1
    print(f"{checked} renovate.json checked against Renovate {VERSION}: {found} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
