#!/usr/bin/env python3
"""A local npm registry for the packages of one package-lock.json, as static files.

  npm_registry.py LOCKFILE CACHE_DIR OUT_DIR BASE_URL

Containers here cannot use the machine's npm registry (its TLS is not the one
Node.js trusts), so a build's `npm ci` reads this one instead: for every package
of LOCKFILE, the tarball is fetched once with `npm pack` through the machine's own
npm configuration into CACHE_DIR, checked against the lockfile's integrity (SHA-512),
and laid out under OUT_DIR the way a registry answers: OUT_DIR/NAME (scoped:
OUT_DIR/@SCOPE/NAME, which `GET /@scope%2fname` reaches) holds the package document
with that version, its dist.tarball at BASE_URL/-/FILE and its dist.integrity.
Serve OUT_DIR's parent over HTTP and point npm at BASE_URL (`registry=` in an
.npmrc). Exit status 1 when a tarball does not match its lockfile entry.
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys


def integrity(path):
    with open(path, "rb") as f:
        return "sha512-" + base64.b64encode(hashlib.sha512(f.read()).digest()).decode()


def main():
    lockfile, cache, out, base_url = sys.argv[1:5]
    with open(lockfile, encoding="utf-8") as f:
        lock = json.load(f)
    os.makedirs(cache, exist_ok=True)
    os.makedirs(os.path.join(out, "-"), exist_ok=True)
    documents = {}
    for key, entry in (lock.get("packages") or {}).items():
        if not key.startswith("node_modules/"):
            continue
        name = key.rsplit("node_modules/", 1)[1]
        version = entry["version"]
        file = f"{name.replace('@', '').replace('/', '-')}-{version}.tgz"
        cached = os.path.join(cache, file)
        if not os.path.isfile(cached) or integrity(cached) != entry["integrity"]:
            done = subprocess.run(["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", cache],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"npm pack {name}@{version} failed: {done.stderr.strip()}")
        got = integrity(cached)
        if got != entry["integrity"]:
            print(f"{name}@{version}: the tarball's integrity is {got}, the lockfile says {entry['integrity']}")
            return 1
        shutil.copyfile(cached, os.path.join(out, "-", file))
        doc = documents.setdefault(name, {"name": name, "versions": {}, "dist-tags": {}})
        manifest = {"name": name, "version": version,
                    "dist": {"tarball": f"{base_url}/-/{file}", "integrity": entry["integrity"]}}
        for field in ("dependencies", "optionalDependencies", "peerDependencies", "bin", "engines", "license"):
            if field in entry:
                manifest[field] = entry[field]
        doc["versions"][version] = manifest
        doc["dist-tags"]["latest"] = version
    for name, doc in documents.items():
        path = os.path.join(out, *name.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        print(f"{name}: {', '.join(doc['versions'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
