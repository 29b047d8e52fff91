#!/usr/bin/env python3
"""`rigc pin` and `rigc pin --check` against a mirror on 127.0.0.1.

  pin_test.py RIGC

The mirror is an HTTP server this script starts in-process and stops at the end.
It serves small but real archives (tar.xz, tar.gz, zip, single binaries) in each
upstream's own layout, under the paths the stock packs' URLs name below their
mirror: nodejs.org's SHASUMS256.txt and index.json, go.dev's JSON (the query is
part of the file name here), docker/buildx's checksums.txt with '*' names,
python-build-standalone's SHA256SUMS and %2B in its URLs, static.rust-lang.org's
per-file .sha256 and channel manifest, the runner's release archives (no list:
hashed) and GitHub release feeds (through --pack-path copies, since their stock
URLs do not go through the mirror). Every pin is then compiled and built.
Failures are proven too: a mirror whose list disagrees with its archive, a
404, a version no list has, a spec that must not change.
"""
import hashlib
import http.server
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.parse
import zipfile

RIGC = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures, passed = [], 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(what)
        print("FAIL:", what)


def sha(data):
    return hashlib.sha256(data).hexdigest()


def tar_bytes(mode, members):
    """A tar archive (mode 'w:xz' or 'w:gz') of {path: bytes}."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as t:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o755
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zip_bytes(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for path, data in members.items():
            z.writestr(path, data)
    return out.getvalue()


class Mirror:
    """Files by URL path (a query string included, as '?…' in the name)."""

    def __init__(self):
        self.files = {}
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                key = urllib.parse.unquote(parts.path) + ("?" + parts.query if parts.query else "")
                data = mirror.files.get(key)
                if data is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def put(self, path, data):
        self.files[path] = data if isinstance(data, bytes) else data.encode()
        return self.files[path]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def rigc(args, cwd, env=None):
    e = dict(os.environ, NO_COLOR="1")
    for k in list(e):
        if k.endswith("_MIRROR"):
            del e[k]
    e.update(env or {})
    return subprocess.run([RIGC] + args, cwd=cwd, capture_output=True, text=True, env=e)


def spec_dir(work, name, text):
    d = os.path.join(work, name)
    os.makedirs(d)
    with open(os.path.join(d, "Rigfile"), "w") as f:
        f.write(text)
    return d


def read(d, name="Rigfile"):
    with open(os.path.join(d, name)) as f:
        return f.read()


def pin_line(text, pack):
    m = re.search(r"^\s*pin %s \S+ sha256 .*$" % re.escape(pack), text, re.M)
    return m.group(0).strip() if m else ""


def builds(d, what):
    r = rigc(["build"], d)
    check(r.returncode == 0, f"{what}: the pinned spec builds (rc {r.returncode}: {r.stderr.strip()})")
    return r


def main():
    work = tempfile.mkdtemp(prefix="rigc-pin-")
    m = Mirror()
    try:
        run_cases(work, m)
    finally:
        m.stop()
        shutil.rmtree(work)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def run_cases(work, m):
    # --- node: SHASUMS256.txt checked against both downloads --------------------
    node = {}
    for arch in ("x64", "arm64"):
        top = f"node-v26.12.1-linux-{arch}"
        node[arch] = m.put(f"/node/v26.12.1/{top}.tar.xz",
                           tar_bytes("w:xz", {f"{top}/bin/node": b"#!/bin/sh\necho v26.12.1\n",
                                              f"{top}/lib/node_modules/npm/package.json": b"{}"}))
    m.put("/node/v26.12.1/SHASUMS256.txt",
          f"{sha(b'other')}  node-v26.12.1-darwin-arm64.tar.gz\n"
          f"{sha(node['arm64'])}  node-v26.12.1-linux-arm64.tar.xz\n"
          f"{sha(node['x64'])}  node-v26.12.1-linux-x64.tar.xz\n")
    fleet = ("# The team's runners.\n\ndefaults {\n  platforms linux/amd64 linux/arm64\n"
             "  registry   ghcr.io/acme    # odd spacing, kept\n}\n\n"
             "runner web {\n  packs node@26   # Node.js\n}\n")
    d = spec_dir(work, "node", fleet)
    r = rigc(["pin", "node", "26.12.1", "--mirror", m.url + "/node"], d)
    check(r.returncode == 0, f"pin node through --mirror (rc {r.returncode}: {r.stderr.strip()})")
    text = read(d)
    want = f"pin node 26.12.1 sha256 amd64 {sha(node['x64'])} arm64 {sha(node['arm64'])}"
    check(pin_line(text, "node") == want, "the pin holds each architecture's checksum from SHASUMS256.txt")
    check(text == fleet.replace("}\n\nrunner", f"  {want}\n}}\n\nrunner", 1),
          "nothing but the pin line changed (comments and odd spacing kept)")
    check("matches the download" in r.stdout, "the published checksum was checked against the download")
    builds(d, "node")
    check(f"26.12.1/arm64) arch=arm64 sha256={sha(node['arm64'])}" in read(d, "docker/web.Dockerfile"),
          "the Dockerfile checks the pinned checksum")
    # The same through the environment variable the build ARG is named after.
    d2 = spec_dir(work, "node-env", fleet)
    r = rigc(["pin", "node", "26.12.1"], d2, {"NODE_MIRROR": m.url + "/node"})
    check(r.returncode == 0 and pin_line(read(d2), "node") == want, "NODE_MIRROR picks the mirror")
    # A second pin of the line replaces the first, keeping its comment.
    with open(os.path.join(d, "Rigfile"), "w") as f:
        f.write(text.replace(want, want + " # from the release notes"))
    node27 = m.put("/node/v26.12.2/node-v26.12.2-linux-x64.tar.xz", tar_bytes("w:xz", {"a": b"1"}))
    node27a = m.put("/node/v26.12.2/node-v26.12.2-linux-arm64.tar.xz", tar_bytes("w:xz", {"a": b"2"}))
    m.put("/node/v26.12.2/SHASUMS256.txt", f"{sha(node27)}  node-v26.12.2-linux-x64.tar.xz\n"
          f"{sha(node27a)}  node-v26.12.2-linux-arm64.tar.xz\n")
    r = rigc(["pin", "node", "26.12.2", "--mirror", m.url + "/node"], d)
    text2 = read(d)
    check(r.returncode == 0 and "26.12.1" not in text2 and text2.count("pin node") == 1 and
          f"arm64 {sha(node27a)} # from the release notes" in text2,
          "a pin on the same line is rewritten in place, its comment kept")

    # --- failures: nothing written --------------------------------------------
    before = read(d)
    m.put("/node/v26.12.3/node-v26.12.3-linux-x64.tar.xz", b"tampered")
    m.put("/node/v26.12.3/node-v26.12.3-linux-arm64.tar.xz", b"tampered")
    m.put("/node/v26.12.3/SHASUMS256.txt", f"{sha(b'genuine')}  node-v26.12.3-linux-x64.tar.xz\n"
          f"{sha(b'tampered')}  node-v26.12.3-linux-arm64.tar.xz\n")
    r = rigc(["pin", "node", "26.12.3", "--mirror", m.url + "/node"], d)
    check(r.returncode == 2 and "checksum mismatch" in r.stderr and "nothing was written" in r.stderr,
          f"a mirror whose archive and list disagree is refused ({r.stderr.strip()})")
    check(read(d) == before, "after a mismatch the spec is unchanged")
    r = rigc(["pin", "node", "99.0.0", "--mirror", m.url + "/node"], d)
    check(r.returncode == 2 and "HTTP 404" in r.stderr and "SHASUMS256.txt" in r.stderr,
          f"a version that does not exist: the list's 404 ({r.stderr.strip()})")
    m.put("/node/v26.12.4/node-v26.12.4-linux-x64.tar.xz", b"x")
    m.put("/node/v26.12.4/SHASUMS256.txt", f"{sha(b'x')}  node-v26.12.4-linux-x64.tar.xz\n")
    r = rigc(["pin", "node", "26.12.4", "--mirror", m.url + "/node"], d)
    check(r.returncode == 2 and "lists no SHA-256 for node-v26.12.4-linux-arm64.tar.xz" in r.stderr,
          f"a list without the architecture's file ({r.stderr.strip()})")
    r = rigc(["pin", "node", "26.12.4", "--mirror", m.url + "/node", "--no-download"], d)
    check(r.returncode == 2, "--no-download still needs every architecture in the list")
    check(read(d) == before, "the spec is unchanged (so far)")
    r = rigc(["pin", "node", "18", "--mirror", m.url + "/node"], d)
    check(r.returncode == 2 and "the distribution's own" in r.stderr, "a system version is refused")
    r = rigc(["pin", "nodejs", "26.12.1"], d)
    check(r.returncode == 2 and "unknown pack 'nodejs'; did you mean 'node'?" in r.stderr,
          "an unknown pack is refused with a suggestion")
    r = rigc(["pin", "git", "2.47.0"], d)
    check(r.returncode == 2 and "downloads nothing" in r.stderr, "a pack without downloads is refused")
    r = rigc(["pin", "node", "26.12.1", "--mirror", "http://127.0.0.1:9"], d)
    check(r.returncode == 2 and "cannot read the checksum list" in r.stderr, "an unreachable mirror")
    check(read(d) == before, "after every failure the spec is unchanged")
    r = rigc(["pin", "node"], d)
    check(r.returncode == 2 and "usage: rigc pin PACK VERSION" in r.stderr, "a missing version is a usage error")

    # --- the runner: no published list, the archives hashed -------------------
    runner = {a: m.put(f"/runner/v2.339.0/actions-runner-linux-{a}-2.339.0.tar.gz",
                       tar_bytes("w:gz", {"./bin/Runner.Listener": b"#!/bin/sh\n", "./run.sh": b""}))
              for a in ("x64", "arm64")}
    d = spec_dir(work, "runner", "defaults {\n  platforms linux/amd64 linux/arm64\n}\n\nrunner ci {\n  packs git\n}\n")
    r = rigc(["pin", "gh-runner", "2.339.0", "--mirror", m.url + "/runner"], d)
    check(r.returncode == 0 and pin_line(read(d), "gh-runner") ==
          f"pin gh-runner 2.339.0 sha256 amd64 {sha(runner['x64'])} arm64 {sha(runner['arm64'])}",
          f"gh-runner: a version outside the pack's list, hashed from the archives ({r.stderr.strip()})")
    check("hashed from" in r.stdout, "the runner's archives were hashed")
    builds(d, "gh-runner")
    check("ARG GH_RUNNER_VERSION=2.339.0" in read(d, "docker/ci.Dockerfile"), "the runner moves to the pinned release")

    # --- go: go.dev's JSON ------------------------------------------------------
    go = {a: m.put(f"/go/go1.28.0.linux-{a}.tar.gz", tar_bytes("w:gz", {"go/bin/go": a.encode()}))
          for a in ("amd64", "arm64")}
    m.put("/go/?mode=json&include=all",
          '[\n {\n  "version": "go1.28.0",\n  "stable": true,\n  "files": [\n' +
          ",\n".join('   {\n    "filename": "go1.28.0.linux-%s.tar.gz",\n    "os": "linux",\n'
                     '    "arch": "%s",\n    "sha256": "%s",\n    "kind": "archive"\n   }' % (a, a, sha(go[a]))
                     for a in ("amd64", "arm64")) + "\n  ]\n }\n]\n")
    d = spec_dir(work, "go", "image app {\n  packs go\n}\n")
    r = rigc(["pin", "go", "1.28.0", "--mirror", m.url + "/go"], d)
    check(r.returncode == 0 and pin_line(read(d), "go") == f"pin go 1.28.0 sha256 amd64 {sha(go['amd64'])}",
          f"go: go.dev's JSON, amd64 only for an image without platforms ({r.stderr.strip()})")
    check(read(d).startswith("defaults {\n  pin go 1.28.0"), "a spec without defaults gets one at the top")
    builds(d, "go")

    # --- buildx: checksums.txt with '*' names; single-file downloads -------------
    bx = {a: m.put(f"/buildx/v0.38.0/buildx-v0.38.0.linux-{a}", b"\x7fELF buildx " + a.encode())
          for a in ("amd64", "arm64")}
    m.put("/buildx/v0.38.0/checksums.txt", "".join(f"{sha(bx[a])} *buildx-v0.38.0.linux-{a}\n" for a in ("amd64", "arm64")))
    d = spec_dir(work, "buildx", "defaults {\n  platforms linux/arm64\n}\n\nrunner ci {\n  docker socket\n}\n")
    r = rigc(["pin", "docker-buildx", "0.38.0", "--mirror", m.url + "/buildx"], d)
    check(r.returncode == 0 and pin_line(read(d), "docker-buildx") == f"pin docker-buildx 0.38.0 sha256 arm64 {sha(bx['arm64'])}",
          f"docker-buildx: checksums.txt with '*' names, the runner's platform only ({r.stderr.strip()})")
    builds(d, "docker-buildx")

    # --- python-build-standalone: SHA256SUMS, '+' encoded as %2B ---------------
    py = {}
    for a in ("x86_64", "aarch64"):
        name = f"cpython-3.13.16+20261009-{a}-unknown-linux-gnu-install_only_stripped.tar.gz"
        py[a] = m.put(f"/pbs/20261009/{name}", tar_bytes("w:gz", {"python/bin/python3": a.encode()}))
    m.put("/pbs/20261009/SHA256SUMS", "".join(
        f"{sha(py[a])}  cpython-3.13.16+20261009-{a}-unknown-linux-gnu-install_only_stripped.tar.gz\n"
        for a in ("aarch64", "x86_64")))
    d = spec_dir(work, "python", "defaults {\n  platforms linux/amd64 linux/arm64\n}\n\nimage app {\n  packs python@3.13\n}\n")
    r = rigc(["pin", "python", "3.13.16+20261009", "--mirror", m.url + "/pbs"], d)
    check(r.returncode == 0 and pin_line(read(d), "python") ==
          f"pin python 3.13.16+20261009 sha256 amd64 {sha(py['x86_64'])} arm64 {sha(py['aarch64'])}",
          f"python: SHA256SUMS and a %2B URL ({r.stderr.strip()})")
    builds(d, "python")
    check("3.13.16+20261009/amd64)" in read(d, "docker/app.Dockerfile") and
          "3.13.15+20260814/amd64)" not in read(d, "docker/app.Dockerfile"),
          "the pinned python replaces the pack's 3.13 build")

    # --- rust: a .sha256 beside each archive --------------------------------------
    rs = {}
    for a in ("x86_64", "aarch64"):
        name = f"rust-1.100.0-{a}-unknown-linux-gnu.tar.xz"
        rs[a] = m.put(f"/rust/{name}", tar_bytes("w:xz", {f"rust-1.100.0-{a}-unknown-linux-gnu/install.sh": b"#!/bin/sh\n"}))
        m.put(f"/rust/{name}.sha256", f"{sha(rs[a])}  {name}\n")
    d = spec_dir(work, "rust", "image app {\n  packs rust\n}\n")
    r = rigc(["pin", "rust", "1.100.0", "--mirror", m.url + "/rust"], d)
    check(r.returncode == 0 and pin_line(read(d), "rust") == f"pin rust 1.100.0 sha256 amd64 {sha(rs['x86_64'])}",
          f"rust: the per-file .sha256 ({r.stderr.strip()})")
    builds(d, "rust")

    # --- the container hooks: no checksum ships, the user's own pinned ----------
    hooks = m.put("/hooks/v0.8.1/actions-runner-hooks-k8s-0.8.1.zip", zip_bytes({"index.js": b"module.exports={}\n"}))
    d = spec_dir(work, "hooks", "runner k8s {\n  packs runner-container-hooks\n}\n")
    r = rigc(["build"], d)
    check(r.returncode == 2 and "ships no checksum" in r.stderr, "without a pin the hooks do not compile")
    r = rigc(["pin", "runner-container-hooks", "0.8.1", "--mirror", m.url + "/hooks"], d)
    check(r.returncode == 0 and pin_line(read(d), "runner-container-hooks") ==
          f"pin runner-container-hooks 0.8.1 sha256 amd64 {sha(hooks)}",
          f"runner-container-hooks: a pin fixes the spec that needed it ({r.stderr.strip()})")
    builds(d, "runner-container-hooks")

    # --- pin --check: release indexes ------------------------------------------
    m.put("/node/index.json", '[{"version":"v27.0.0-rc.1"},{"version":"v26.12.2","lts":"x"},'
          '{"version":"v24.22.3","lts":"Krypton"},{"version":"v22.23.5","lts":"Jod"},{"version":"v24.21.0"}]')
    m.put("/go/?mode=json&include=all", '[{"version": "go1.28rc1"}, {"version": "go1.27.1"}]')
    d = spec_dir(work, "check", "defaults {\n  pin node 26.12.2 sha256 amd64 " + sha(b"n") + "\n}\n\n"
                 "image a {\n  packs node\n}\n\nimage b {\n  packs node@24 go\n}\n")
    r = rigc(["pin", "--check", "--mirror", m.url + "/node"], d)
    check(r.returncode == 2 and "/node/?mode=json&include=all: HTTP 404" in r.stderr,
          f"--check with one mirror for every pack: go's index is not at node's mirror ({r.stderr.strip()})")
    r = rigc(["pin", "--check"], d, {"NODE_MIRROR": m.url + "/node", "GO_MIRROR": m.url + "/go"})
    out = r.stdout
    check(r.returncode == 1, f"--check exits 1 when a newer version exists (rc {r.returncode}: {r.stderr.strip()})")
    check("node 26.12.2 (pinned on line 2): up to date" in out, "the pin is up to date")
    check("node 24.21.0 (the stock pack's): 24.22.3 is out; rigc pin node 24.22.3 Rigfile" in out,
          "the stock default of the 24 line has a newer release, on its own line only")
    check("go 1.27.1 (the stock pack's): up to date" in out, "a release candidate is no release")
    d = spec_dir(work, "check-clean", "image a {\n  packs go\n}\n")
    r = rigc(["pin", "--check"], d, {"GO_MIRROR": m.url + "/go"})
    check(r.returncode == 0, f"--check exits 0 when everything is current ({r.stdout.strip()})")

    # A GitHub release feed, through a copy of the stock pack reading it from the mirror.
    packs = os.path.join(work, "packs")
    os.makedirs(packs)
    with open(os.path.join(ROOT, "packs", "gh-runner.rig")) as f:
        stock = f.read()
    feed_line = re.search(r"^  releases .*$", stock, re.M).group(0)
    with open(os.path.join(packs, "gh-runner.rig"), "w") as f:
        f.write(stock.replace(feed_line, '  releases @mirror@/releases.atom "/releases/tag/v@version@\\""'))
    m.put("/runner/releases.atom",
          '<feed><entry><link rel="alternate" type="text/html" href="https://github.com/actions/runner/'
          'releases/tag/v2.340.0"/></entry><entry><link href="https://github.com/actions/runner/'
          'releases/tag/v2.339.0"/></entry></feed>')
    d = spec_dir(work, "check-feed", "runner ci {\n  packs git\n}\n")
    r = rigc(["pin", "--check", "--pack-path", packs, "--mirror", m.url + "/runner"], d)
    check(r.returncode == 1 and "gh-runner 2.338.0 (the pack's own): 2.340.0 is out" in r.stdout,
          f"--check reads a GitHub release feed ({r.stdout.strip()} {r.stderr.strip()})")
    r = rigc(["pin", "gh-runner", "2.339.0", "--pack-path", packs, "--mirror", m.url + "/runner"], d)
    check(r.returncode == 0, "pin through --pack-path")

    # --- renovate: the generated manager finds the pin; its task moves it ------
    d = spec_dir(work, "renovate", "defaults {\n  renovate true\n}\n\nimage a {\n  packs node\n}\n")
    r = rigc(["pin", "node", "26.12.1", "--mirror", m.url + "/node"], d)
    check(r.returncode == 0, "renovate: the spec is pinned")
    builds(d, "renovate")
    import json
    config = json.load(open(os.path.join(d, "docker", "renovate.json")))
    manager = config["customManagers"][0]
    pattern = manager["matchStrings"][0].replace("(?<", "(?P<")
    found = re.search(pattern, read(d))
    check(found is not None and found.group("currentValue") == "26.12.1",
          "Renovate's match string finds the pin and its version")
    # What Renovate then does: the new version in place of the old, then the task.
    bumped = read(d)[:found.start("currentValue")] + "26.12.2" + read(d)[found.end("currentValue"):]
    with open(os.path.join(d, "Rigfile"), "w") as f:
        f.write(bumped)
    task = next(rule["postUpgradeTasks"] for rule in config["packageRules"] if "postUpgradeTasks" in rule)
    for command in task["commands"]:
        argv = (command.replace("{{{depName}}}", manager["depNameTemplate"])
                .replace("{{{newValue}}}", "26.12.2").replace("{{{packageFile}}}", "Rigfile").split())
        r = rigc(argv[1:], d, {"NODE_MIRROR": m.url + "/node"})
        check(r.returncode == 0, f"post-upgrade task '{command}' runs (rc {r.returncode}: {r.stderr.strip()})")
    check(pin_line(read(d), "node") == f"pin node 26.12.2 sha256 amd64 {sha(node27)}",
          "after the task the pin has the new version's checksum")
    check("26.12.2/amd64) arch=x64 sha256=" + sha(node27) in read(d, "docker/a.Dockerfile"),
          "and the outputs are rebuilt with it")


if __name__ == "__main__":
    sys.exit(main())
