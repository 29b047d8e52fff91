#!/usr/bin/env bash
# Caches that survive CI runs, offline, on a private dockerd 20.10:
#
#   cache_persistence.sh RIGC SOURCE_DIR CACHE_DIR
#
# An image with pip, npm and Go dependencies (a spec compiled here) is built cold
# with every package source reachable on 127.0.0.1. Then, as the generated workflow
# does between two runs, the cache mounts go out of the builder into archives
# (github/cache-mounts.Dockerfile, target `export`), the builder's whole cache is
# pruned (a fresh runner), the archives go back in (target `inject`), and the image
# is built again with the package sources unreachable from the build: the pip
# index's file host, the npm tarballs and the Go module proxy (GOPROXY) are stopped.
# The dependency steps must run again (no layer is left) and succeed from the
# restored cache mounts alone. Proved able to fail: the same offline rebuild after
# a prune but without the injection fails at a dependency step. Reports the cold
# and the restored build's times.
#
# Package sources, all local: pip's index pages on one server (pip always asks for
# them fresh, as it does of PyPI) and the wheel on another, served like PyPI's files
# (immutable, a year's max-age), which pip's cache then answers for; an npm package
# as a remote tarball with its integrity in package-lock.json (npm's cache is
# content-addressed); a Go module from a GOPROXY directory (the spec's own `go` pack
# sets GOPROXY to it, as a mirror setting would). The toolchains (Go, Node.js) come
# from the e2e fixtures (fixtures.sh) through the packs' mirror ARGs, the base image
# from rootfs.sh; Debian's archive stays reachable (apt's lists are refreshed on
# every build; its .debs come from the restored cache mount).
# CACHE_DIR keeps the debootstrap root file system and the fixture downloads
# (shared with run.sh) and the logs of the last run (CACHE_DIR/cache-persistence).
set -euo pipefail
rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
src="$(cd "$2" && pwd)"
cache="$(mkdir -p "$3" && cd "$3" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
docker=/usr/bin/docker
export NO_COLOR=1

for tool in dockerd "$docker" debootstrap python3 npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (./test.sh installs it)" >&2; exit 1; }
done

top="$(mktemp -d "${TMPDIR:-/tmp}/rigc-cache-persistence.XXXXXX")"
logs="$cache/cache-persistence"
rm -rf "$logs"
mkdir -p "$logs"
pids=()
cleanup() {
  local status=$?
  set +e
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  "$src/tests/validators/dockerd.sh" stop "$top/engine"
  findmnt -rn -o TARGET | grep -F "$top/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$top"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
phase() { echo "== $* (at ${SECONDS}s)"; }
show_tail() { tail -n "${2:-20}" "$1" | sed 's/^/    /'; }

# serve NAME DIR [HEADERS]: an HTTP server on 127.0.0.1 for DIR, its port in
# $port and its PID in ${pids[@]} (the last one is ${pids[-1]}). With HEADERS set,
# every response says the file never changes, as PyPI's file host does.
serve() {
  local log="$logs/http-$1.log"
  python3 -u - "$2" "${3:-}" >"$log" 2>&1 <<'PY' &
import functools, http.server, sys
directory, immutable = sys.argv[1], sys.argv[2] == "immutable"
class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        if immutable:
            self.send_header("Cache-Control", "max-age=31536000, immutable")
        super().end_headers()
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=directory))
print(f"port {server.server_address[1]}", flush=True)
server.serve_forever()
PY
  pids+=("$!")
  port=""
  for _ in $(seq 1 50); do
    port="$(sed -n 's/^port \([0-9]*\)$/\1/p' "$log" 2>/dev/null || true)"
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "the $1 server did not start" >&2
  show_tail "$log"
  exit 1
}

# --- the base image and the toolchain archives ----------------------------------
phase "base image and fixtures"
rootfs_tar="$cache/debian-bookworm-minbase-slim.tar"
"$here/rootfs.sh" "$rootfs_tar" >"$logs/rootfs.log" 2>&1 || { show_tail "$logs/rootfs.log"; exit 1; }
"$here/fixtures.sh" "$src" "$cache/fixtures" "$top/fixtures" >"$logs/fixtures.log" 2>&1 ||
  { show_tail "$logs/fixtures.log"; exit 1; }
serve mirror "$top/fixtures/www"
mirror="http://127.0.0.1:$port"

# --- the package sources: pip, npm, Go ------------------------------------------
phase "package sources"
files="$top/files"
index="$top/index"
mkdir -p "$files/npm" "$index/simple/rigc-e2e-hello"
serve files "$files" immutable
files_pid="${pids[-1]}"
files_url="http://127.0.0.1:$port"
serve index "$index"
index_url="http://127.0.0.1:$port/simple/"
python3 - "$files" "$index" "$files_url" <<'PY'
import base64, hashlib, io, json, os, sys, zipfile
files, index, url = sys.argv[1:]

# A pure-Python wheel, as a build backend would make it.
name, version = "rigc_e2e_hello", "1.0"
content = {f"{name}/__init__.py": b"GREETING = 'hello from a cached wheel'\n",
           f"{name}-{version}.dist-info/METADATA": b"Metadata-Version: 2.1\nName: rigc-e2e-hello\nVersion: 1.0\n",
           f"{name}-{version}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
def record_hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
record = "".join(f"{p},{record_hash(d)},{len(d)}\n" for p, d in content.items())
record += f"{name}-{version}.dist-info/RECORD,,\n"
wheel = f"{name}-{version}-py3-none-any.whl"
with zipfile.ZipFile(os.path.join(files, wheel), "w") as z:
    for p, d in content.items():
        z.writestr(p, d)
    z.writestr(f"{name}-{version}.dist-info/RECORD", record)
digest = hashlib.sha256(open(os.path.join(files, wheel), "rb").read()).hexdigest()
with open(os.path.join(index, "simple", "rigc-e2e-hello", "index.html"), "w") as f:
    f.write(f'<!DOCTYPE html><html><body><a href="{url}/{wheel}#sha256={digest}">{wheel}</a></body></html>\n')

# A Go module in GOPROXY's layout, with the go.sum lines of its zip and go.mod
# (dirhash's Hash1: the base64 SHA-256 of "SHA256HEX  NAME" lines).
mod, ver = "example.com/rigc/hello", "v1.0.0"
gomod = f"module {mod}\n\ngo 1.19\n".encode()
files_in_zip = {f"{mod}@{ver}/go.mod": gomod,
                f"{mod}@{ver}/hello.go": b"package hello\n\nconst Greeting = \"hello from a cached module\"\n"}
def hash1(named):
    summary = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(named.items()))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
at = os.path.join(files, "goproxy", mod, "@v")
os.makedirs(at)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for n, d in files_in_zip.items():
        z.writestr(n, d)
open(os.path.join(at, f"{ver}.zip"), "wb").write(buf.getvalue())
open(os.path.join(at, f"{ver}.mod"), "wb").write(gomod)
open(os.path.join(at, f"{ver}.info"), "w").write(json.dumps({"Version": ver, "Time": "2026-01-01T00:00:00Z"}))
open(os.path.join(at, "list"), "w").write(ver + "\n")
with open(os.path.join(files, "go.sum"), "w") as f:
    f.write(f"{mod} {ver} {hash1(files_in_zip)}\n{mod} {ver}/go.mod {hash1({'go.mod': gomod})}\n")

# An npm package as a tarball.
os.makedirs(os.path.join(files, "npm", "package"))
open(os.path.join(files, "npm", "package", "package.json"), "w").write(
    json.dumps({"name": "rigc-e2e-hello", "version": "1.0.0", "main": "index.js"}))
open(os.path.join(files, "npm", "package", "index.js"), "w").write("module.exports = 'hello from a cached tarball';\n")
PY
tar -C "$files/npm" -czf "$files/npm/rigc-e2e-hello-1.0.0.tgz" package
rm -rf "$files/npm/package"

# --- the spec ---------------------------------------------------------------------
phase "compile"
app="$top/app"
mkdir -p "$app"
# pip caches what it downloads over HTTPS, and over HTTP from a trusted host only.
printf -- '--index-url %s\n--trusted-host 127.0.0.1\nrigc-e2e-hello==1.0\n' "$index_url" >"$app/requirements.txt"
cp "$files/go.sum" "$app/go.sum"
printf 'module example.com/rigc/app\n\ngo 1.19\n\nrequire example.com/rigc/hello v1.0.0\n' >"$app/go.mod"
printf '{"name": "app", "version": "1.0.0", "private": true, "dependencies": {"rigc-e2e-hello": "%s/npm/rigc-e2e-hello-1.0.0.tgz"}}\n' \
  "$files_url" >"$app/package.json"
(cd "$app" && npm install --package-lock-only --no-audit --no-fund --ignore-scripts >"$logs/npm-lock.log" 2>&1) ||
  { show_tail "$logs/npm-lock.log"; exit 1; }
rm -rf "$app/node_modules"
go_pack="$top/fixtures/packs/go.rig"
{
  echo "# The Go fixture pack (fixtures.sh) with the module proxy on 127.0.0.1."
  sed -e "s|^  env GOPATH=|  env GOPROXY=$files_url/goproxy GOSUMDB=off GOPATH=|" "$go_pack"
  cat <<'RIG'

image deps {
  packs python node@24 go
  user app 10001
  cache pip
  cache npm
  cache go-mod
  cache go-build
  deps requirements.txt
  deps package.json package-lock.json
  deps go.mod go.sum
}
RIG
} >"$app/Rigfile"
grep -q "GOPROXY=$files_url/goproxy" "$app/Rigfile" || { echo "the go pack has no env GOPATH line" >&2; exit 1; }
"$rigc" build "$app/Rigfile" --pack-path "$top/fixtures/packs" >"$logs/rigc.log"
helper="$app/docker/github/cache-mounts.Dockerfile"
dockerfile="$app/docker/deps.Dockerfile"
grep -q "FROM scratch AS export" "$helper" || { echo "no cache mounts helper" >&2; exit 1; }
build_args=(--build-arg "GO_MIRROR=$mirror/go" --build-arg "NODE_MIRROR=$mirror/node")

# --- the engine ---------------------------------------------------------------------
phase "dockerd"
"$src/tests/validators/dockerd.sh" start "$top/engine"
export DOCKER_HOST="unix://$top/engine/docker.sock"
"$docker" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' "$rootfs_tar" debian:bookworm-slim >/dev/null

# build LOG: the image, plain progress in LOG; its wall time in $elapsed
build() {
  local start=$SECONDS status=0
  DOCKER_BUILDKIT=1 "$docker" build --network=host --progress=plain -f "$dockerfile" -t e2e/deps \
    "${build_args[@]}" "$app" >"$logs/$1" 2>&1 || status=$?
  elapsed=$((SECONDS - start))
  return "$status"
}
# helper TARGET DIR [ARGS]: a target of the cache mounts helper on the build context DIR
helper() {
  local target="$1" dir="$2"
  shift 2
  DOCKER_BUILDKIT=1 "$docker" build --network=host --progress=plain -f "$helper" --target "$target" \
    --build-arg "CACHE_STAMP=$RANDOM$RANDOM" "$@" "$dir"
}
# deps_ran LOG: each dependency install ran (not CACHED) and finished
deps_ran() {
  local command step
  for command in 'pip install -r requirements.txt' 'npm ci' 'go mod download'; do
    step="$(grep -m1 -E "^#[0-9]+ \[[a-z-]+ +[0-9]+/[0-9]+\] RUN .*$command\$" "$1" | cut -d' ' -f1)"
    if [ -z "$step" ]; then
      echo "    no step runs '$command'"
      return 1
    fi
    if grep -q "^$step CACHED" "$1" || ! grep -q "^$step DONE" "$1"; then
      echo "    '$command' ($step) did not run to the end"
      return 1
    fi
    echo "    $command: $(grep -m1 "^$step DONE" "$1")"
  done
}
prune() { "$docker" builder prune -af >/dev/null; }

phase "cold build, every source reachable"
if build cold.log; then
  cold=$elapsed
  ok "cold build in ${cold}s"
  deps_ran "$logs/cold.log" || fail "the cold build's dependency steps"
else
  show_tail "$logs/cold.log" 30
  fail "the cold build failed"
  exit 1
fi
for url in '/rigc_e2e_hello-1.0-py3-none-any.whl' '/npm/rigc-e2e-hello-1.0.0.tgz' '/goproxy/example.com/rigc/hello/@v/v1.0.0.zip'; do
  grep -q "\"GET $url HTTP/1.1\" 200" "$logs/http-files.log" || fail "the cold build did not download $url"
done

phase "the cache mounts out of the builder"
saved="$top/saved"
mkdir -p "$top/empty"
if helper export "$top/empty" -o "type=local,dest=$saved" >"$logs/export.log" 2>&1; then
  find "$saved" -maxdepth 1 -type f -printf '    %f %s bytes\n' | sort
  for archive in pip-10001.tar npm-10001.tar go-mod-10001.tar go-build-10001-amd64.tar \
    apt-cache-debian-bookworm-slim-amd64.tar apt-lists-debian-bookworm-slim-amd64.tar; do
    [ -s "$saved/$archive" ] || fail "export: no $archive"
  done
  tar -tvf "$saved/pip-10001.tar" | grep -m1 ' 10001/10001 .*/http' >/dev/null ||
    fail "export: no HTTP cache of pip's, owned by 10001, in its archive"
  tar -tf "$saved/npm-10001.tar" | grep -q '_cacache/' || fail "export: npm's archive has no _cacache"
  tar -tf "$saved/go-mod-10001.tar" | grep -q 'cache/download/example.com/rigc/hello/@v/v1.0.0.zip' ||
    fail "export: the Go module is not in go-mod's archive"
  echo "    saved: $(du -sh "$saved" | cut -f1)"
else
  show_tail "$logs/export.log"
  fail "the cache mounts could not be exported"
fi

phase "the package sources stopped"
kill "$files_pid"
wait "$files_pid" 2>/dev/null || true
if curl -fsS -o /dev/null --max-time 5 "$files_url/npm/rigc-e2e-hello-1.0.0.tgz" 2>/dev/null; then
  fail "the file server still answers"
fi

phase "control: a fresh builder without the cache mounts, offline"
prune
if build control.log; then
  fail "the offline build succeeded without the cache mounts: the test proves nothing"
else
  ok "without the cache mounts the offline build fails: $(grep -m1 -o -E '(ERROR: Could not find|Could not install|npm ERR! code [A-Z]+|npm error code [A-Z]+|dial tcp[^"]*|connection refused|ERROR: executor failed running[^:]*)' "$logs/control.log" || echo "see control.log")"
fi

phase "a fresh builder, the cache mounts put back, offline"
prune
if helper inject "$saved" >"$logs/inject.log" 2>&1; then
  ok "injected"
else
  show_tail "$logs/inject.log"
  fail "the cache mounts could not be injected"
fi
if build restored.log; then
  restored=$elapsed
  ok "offline rebuild from the restored cache mounts in ${restored}s (cold: ${cold}s)"
  deps_ran "$logs/restored.log" || fail "the restored build's dependency steps"
  grep -q 'Using cached .*/rigc_e2e_hello-1.0-py3-none-any.whl' "$logs/restored.log" ||
    fail "pip did not say it used its cache"
  grep -q 'Downloading .*/rigc_e2e_hello-1.0-py3-none-any.whl' "$logs/cold.log" ||
    fail "pip did not download the wheel in the cold build (the cache check proves nothing)"
  if "$docker" run --rm --network=host --entrypoint /bin/bash e2e/deps -c \
    'cd /home/app && python -c "import rigc_e2e_hello as h; print(h.GREETING)" && node -p "require(\"rigc-e2e-hello\")"' \
    >"$logs/run.log" 2>&1; then
    sed 's/^/    /' "$logs/run.log"
    ok "the image has the pip and npm dependencies (Go's module cache is a cache mount, not in the image)"
  else
    show_tail "$logs/run.log"
    fail "the restored image lacks a dependency"
  fi
else
  show_tail "$logs/restored.log" 30
  fail "the offline rebuild from the restored cache mounts failed"
fi
# What each build downloaded with apt, and how long its apt and dependency steps
# took: the time a cache saves is the downloads, which here come from a local
# mirror or 127.0.0.1, so the bytes say more than the seconds.
summary() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
units = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
fetched = sum(float(n) * units[u] for n, u in re.findall(r"Fetched ([0-9.]+) (B|kB|MB|GB) in", text))
steps = {}
for step, command in re.findall(r"^(#[0-9]+) \[[a-z-]+ +[0-9]+/[0-9]+\] RUN (.*)$", text, re.M):
    kind = "apt" if "apt-get install" in command else "deps" if re.search(
        r"(pip install|npm ci|go mod download)$", command) else None
    done = re.search(rf"^{step} DONE ([0-9.]+)s$", text, re.M)
    if kind and done:
        steps[kind] = steps.get(kind, 0.0) + float(done.group(1))
print(f"{fetched / 1e6:.1f} {steps.get('apt', 0):.1f} {steps.get('deps', 0):.1f}")
PY
}
if [ -f "$logs/restored.log" ]; then
  read -r cold_mb cold_apt cold_deps < <(summary "$logs/cold.log")
  read -r restored_mb restored_apt restored_deps < <(summary "$logs/restored.log")
  echo "    apt downloads: cold ${cold_mb} MB, restored ${restored_mb} MB (the lists' updates only)"
  echo "    apt steps: cold ${cold_apt}s, restored ${restored_apt}s; dependency steps: cold ${cold_deps}s, restored ${restored_deps}s"
  if python3 -c "import sys; sys.exit(0 if float('$restored_mb') * 10 < float('$cold_mb') else 1)"; then
    ok "apt took its .debs from the restored cache mount"
  else
    fail "apt downloaded ${restored_mb} MB after the cache mounts were restored (cold: ${cold_mb} MB)"
  fi
fi

phase "end"
if [ "$failures" -gt 0 ]; then
  echo "$failures failures"
  exit 1
fi
echo "cache persistence: cold build ${cold}s (apt ${cold_mb} MB), offline rebuild from the restored" \
  "cache mounts ${restored}s (apt ${restored_mb} MB); archives $(du -sh "$saved" | cut -f1)"
echo "1 passed, 0 failed"
