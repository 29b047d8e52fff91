#!/usr/bin/env bash
# End to end: every application example, built from its generated files and run
# the way its users run it, on a private dockerd with Compose v2.
#
#   apps.sh RIGC SOURCE_DIR CACHE_DIR
#
# For api (Python), server (Go on scratch), web (TypeScript on Node) and web (Rails,
# on a stand-in of the official Ruby image and a stand-in of bin/rails, see
# apps/rails): the example compiled as committed (the fetching packs' test copies
# point at the fixture server), `docker compose build` of its compose.yaml (with
# an override that only adds host networking and the mirror build ARGs, which
# this machine needs; the Rails build secret comes from the environment, as
# compose.yaml says), `docker compose up`, the image's own health check healthy,
# real requests to the published port with their answers checked, what the
# process runs as and may write, and `docker compose stop` ending it within 2 s
# with status 0 (one init as PID 1 passes SIGTERM on). Then: the Node example's
# dev service (its sources bind-mounted, node_modules kept by its volume, an edit
# restarting it under node --watch), the Go image holding nothing but its binary
# and certificates, the Node image without its development dependencies, and the
# api dev target keeping its cache: a source edit reruns none of the target's own
# steps. Each check is proven able to fail where a wrong answer is easy to make.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_begin apps "$@"

phase "base image and fixtures"
e2e_rootfs_start
e2e_fixtures
e2e_rootfs_wait
phase "dockerd"
e2e_engine
e2e_import_base
e2e_compose || { fail "Compose v2 could not be fetched"; exit 1; }
phase "ruby stand-in image"
e2e_ruby_image || { fail "the stand-in of ruby:3.4-slim-bookworm did not build"; exit 1; }

# --- compile ---------------------------------------------------------------------
phase "compile the examples"
declare -A dirs
for name in api go-service node-service rails; do
  dirs[$name]="$(e2e_example "$name")"
done
# The Node example's packages come from a registry on 127.0.0.1 (the machine's
# npm registry is reached through TLS that Node.js in a container does not trust),
# named in an .npmrc that reaches `npm ci` as a build secret, the way a private
# registry's users give theirs: the test copy of the spec gains that one line.
npm_url="$mirror/npm-registry"
python3 "$here/npm_registry.py" "${dirs[node-service]}/package-lock.json" "$cache/npm-packs" \
  "$work/fixtures/www/npm-registry" "$npm_url" >"$logs/npm-registry.log" 2>&1 \
  || { fail "the local npm registry could not be made"; show_tail "$logs/npm-registry.log"; exit 1; }
sed -i 's|^  deps package.json package-lock.json$|&\n  secret npmrc target /app/.npmrc|' "${dirs[node-service]}/Rigfile"
grep -q '^  secret npmrc target /app/.npmrc$' "${dirs[node-service]}/Rigfile" || { fail "node-service: no deps line"; exit 1; }
export NPMRC="registry=$npm_url/"
for name in api go-service node-service rails; do
  "$rigc" build "${dirs[$name]}/Rigfile" "${pack_path[@]}" >/dev/null
  "$rigc" plan --format json "${dirs[$name]}/Rigfile" "${pack_path[@]}" >"${dirs[$name]}/plan.json"
done
printf 'gem.example.com:e2e-%s\n' "$RANDOM$RANDOM" >"$work/gem_credentials"
export GEM_CREDENTIALS
GEM_CREDENTIALS="$(cat "$work/gem_credentials")"

# override DIR: docker/compose.e2e.yaml, what this machine needs on top of the
# generated file: builds on the host's network (the daemon has no bridge for
# builds) with the mirror ARGs, for each service and development service.
override() {
  python3 - "$1" "$mirror" <<'EOF'
import json, sys
d, mirror = sys.argv[1], sys.argv[2]
plan = json.load(open(f"{d}/plan.json"))
services = {}
for image in plan["images"]:
    args = {}
    for key in image.get("build_args") or {}:
        if key.endswith("_MIRROR"):
            args[key] = f"{mirror}/" + key[: -len("_MIRROR")].lower().replace("_", "-")
    build = {"network": "host", "args": args}
    services[image["name"]] = {"build": build}
    for dev in image.get("dev_services") or []:
        services[f"{image['name']}-{dev['target']}"] = {"build": build}
with open(f"{d}/docker/compose.e2e.yaml", "w") as f:
    json.dump({"services": services}, f, indent=2)
EOF
}

# compose NAME ARGS...: docker compose on the example's files, project e2e-NAME
compose() {
  local name="$1"
  shift
  "$docker" compose -p "e2e-$name" -f "${dirs[$name]}/docker/compose.yaml" \
    -f "${dirs[$name]}/docker/compose.e2e.yaml" "$@"
}

# await_healthy NAME SERVICE: the service's container healthy by its own check
# (at most 90 s); prints the seconds it took.
await_healthy() {
  local id status="" start=$SECONDS
  id="$(compose "$1" ps -aq "$2")"
  [ -n "$id" ] || { echo "no container"; return 1; }
  for _ in $(seq 1 180); do
    if [ "$("$docker" inspect --format '{{.State.Running}}' "$id")" != true ]; then
      echo "the container stopped: $("$docker" inspect --format '{{.State.Status}}, exit status {{.State.ExitCode}}' "$id")"
      return 1
    fi
    status="$("$docker" inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")"
    [ "$status" = healthy ] && { echo "$((SECONDS - start))"; return 0; }
    [ "$status" = unhealthy ] && break
    sleep 0.5
  done
  echo "health: '$status'; last probe: $("$docker" inspect --format '{{json .State.Health}}' "$id" | tail -c 400)"
  return 1
}

# get URL: the body of a GET (curl fails on a status >= 400)
get() { curl -fsS --max-time 5 "$@"; }

# json FIELD: a field of the JSON on stdin
json() { python3 -c 'import json, sys; v = json.load(sys.stdin)[sys.argv[1]]; print(json.dumps(v) if not isinstance(v, str) else v)' "$1"; }

# stop_within NAME SERVICE SECONDS: `docker compose stop` ends the container in
# time, with status 0 (the program took SIGTERM and ended by itself).
stop_within() {
  local id t0 t1 ms code
  id="$(compose "$1" ps -q "$2")"
  t0="$(date +%s%N)"
  compose "$1" stop "$2" >/dev/null 2>&1
  t1="$(date +%s%N)"
  ms=$(((t1 - t0) / 1000000))
  code="$("$docker" inspect --format '{{.State.ExitCode}}' "$id")"
  if [ "$ms" -le $(($3 * 1000)) ] && [ "$code" = 0 ]; then
    ok "$1: docker compose stop ended $2 in $ms ms, exit status 0"
  else
    fail "$1: docker compose stop took $ms ms (at most $3 s) and $2 exited $code (0 expected)"
    compose "$1" logs --no-color --tail 10 "$2" | sed 's/^/    /'
  fi
}

# pid1 NAME SERVICE: the command of the container's PID 1 and its first child
pid1() {
  "$docker" top "$(compose "$1" ps -q "$2")" -o pid,args | sed 1d | awk '{ $1 = ""; print substr($0, 2) }' | head -2 \
    | tr '\n' '|'
}

# build_and_up NAME SERVICE: compose build, then up -d, healthy.
build_and_up() {
  local name="$1" service="$2" took
  override "${dirs[$name]}"
  if ! compose "$name" build "$service" >"$logs/build-$name.log" 2>&1; then
    fail "$name: docker compose build $service failed"
    show_tail "$logs/build-$name.log"
    return 1
  fi
  ok "$name: docker compose build $service"
  if ! compose "$name" up -d "$service" >"$logs/up-$name.log" 2>&1; then
    fail "$name: docker compose up $service failed"
    show_tail "$logs/up-$name.log"
    return 1
  fi
  if took="$(await_healthy "$name" "$service")"; then
    ok "$name: $service healthy by its own check after ${took} s"
  else
    fail "$name: $service never became healthy: $took"
    compose "$name" logs --no-color --tail 20 "$service" | sed 's/^/    /'
    return 1
  fi
}

# expect WHAT GOT WANT
expect() {
  if [ "$2" = "$3" ]; then ok "$1: $2"; else fail "$1: got '$2', expected '$3'"; fi
}

# --- api: Python, tini in the image ---------------------------------------------------
phase "api"
if build_and_up api api; then
  expect "api: GET /health" "$(get http://127.0.0.1:8000/health | json status)" ok
  expect "api: APP_ENV of the service" "$(get http://127.0.0.1:8000/health | json env)" production
  get -X POST -H 'Content-Type: application/json' -d '{"name": "e2e-item"}' http://127.0.0.1:8000/items >/dev/null
  expect "api: POST then GET /items" "$(get http://127.0.0.1:8000/items | json items)" '["e2e-item"]'
  who="$(get http://127.0.0.1:8000/whoami)"
  expect "api: the process's uid" "$(json uid <<<"$who")" 10001
  expect "api: its code is read-only to it" "$(json code_writable <<<"$who")" false
  expect "api: its tmp directory is writable" "$(json tmp_writable <<<"$who")" true
  expect "api: PID 1 is the image's tini, the program its child" "$(pid1 api api)" \
    "/usr/bin/tini -- python -u app.py|python -u app.py|"
  # A wrong answer is reported: the request check is not blind.
  if get http://127.0.0.1:8000/no-such-path >/dev/null 2>&1; then
    fail "api: a request for a missing path succeeded"
  else
    ok "api: a missing path answers an error (the request checks can fail)"
  fi
  stop_within api api 2
fi

# --- go-service: a static binary on scratch ----------------------------------------------
phase "go-service"
if build_and_up go-service server; then
  expect "go-service: GET /hello?name=e2e" "$(get 'http://127.0.0.1:8080/hello?name=e2e' | json message)" "hello, e2e"
  expect "go-service: the process's uid" "$(get http://127.0.0.1:8080/whoami | json uid)" 10001
  expect "go-service: PID 1 is Compose's init, the binary its child" "$(pid1 go-service server)" \
    "/sbin/docker-init -- /server|/server|"
  stop_within go-service server 2
fi
if "$docker" image inspect server:latest >/dev/null 2>&1; then
  # Everything in the image: export a container's file system and list it.
  cid="$("$docker" create server:latest)"
  "$docker" export "$cid" | tar -t | grep -v -E '^(dev|proc|sys)(/|$)|^etc/?$|^etc/(hostname|hosts|resolv.conf|mtab)$|^\.dockerenv$|/$' \
    | sort >"$work/go-files"
  "$docker" rm "$cid" >/dev/null
  expect "go-service: the image's files" "$(tr '\n' ' ' <"$work/go-files")" \
    "etc/ssl/certs/ca-certificates.crt server "
  size="$("$docker" image inspect --format '{{.Size}}' server:latest)"
  if [ "$size" -lt $((20 * 1024 * 1024)) ]; then ok "go-service: the image is $((size / 1024)) KiB"; else
    fail "go-service: the image is $((size / 1024 / 1024)) MiB: more than its binary"
  fi
  if "$docker" run --rm --entrypoint /bin/sh server:latest -c true >/dev/null 2>&1; then
    fail "go-service: the runtime image has a shell"
  else
    ok "go-service: the runtime image has no shell"
  fi
fi

# --- node-service: TypeScript built, then pruned; its dev service ---------------------------
phase "node-service"
if build_and_up node-service web; then
  expect "node-service: GET /hello?name=e2e" "$(get 'http://127.0.0.1:3000/hello?name=e2e' | json message)" "hello, e2e"
  expect "node-service: NODE_ENV" "$(get http://127.0.0.1:3000/health | json env)" production
  expect "node-service: the process's uid" "$(get http://127.0.0.1:3000/whoami | json uid)" 10001
  stop_within node-service web 2
  if "$docker" run --rm --entrypoint node web:latest -e 'require.resolve("typescript")' >/dev/null 2>&1; then
    fail "node-service: the runtime image still has typescript (a development dependency)"
  else
    ok "node-service: the runtime image has no development dependency (typescript pruned)"
  fi
  compose node-service down >/dev/null 2>&1 || true
fi
phase "node-service: dev service"
if compose node-service --profile dev build web-dev >"$logs/build-node-dev.log" 2>&1 \
  && compose node-service --profile dev up -d web-dev >"$logs/up-node-dev.log" 2>&1; then
  ok "node-service: docker compose --profile dev up web-dev"
  if took="$(await_healthy node-service web-dev)"; then
    ok "node-service: web-dev healthy after ${took} s"
    expect "node-service: web-dev NODE_ENV" "$(get http://127.0.0.1:3000/health | json env)" development
    dev_id="$(compose node-service ps -q web-dev)"
    if "$docker" exec "$dev_id" test -f /app/node_modules/typescript/package.json; then
      ok "node-service: web-dev keeps the image's node_modules under the bind mount"
    else
      fail "node-service: /app/node_modules is hidden by the bind mount"
    fi
    # An edit on the host reaches the container through the bind mount, and node
    # --watch restarts the server with it.
    sed -i 's/hello, \${/hi, ${/' "${dirs[node-service]}/src/server.ts"
    answer=""
    for _ in $(seq 1 60); do
      answer="$(get 'http://127.0.0.1:3000/hello?name=e2e' 2>/dev/null | json message 2>/dev/null)" || true
      [ "$answer" = "hi, e2e" ] && break
      sleep 0.5
    done
    expect "node-service: a source edit on the host, served after node --watch restarts" "$answer" "hi, e2e"
  else
    fail "node-service: web-dev never became healthy: $took"
    compose node-service logs --no-color --tail 20 web-dev | sed 's/^/    /'
  fi
  compose node-service --profile dev down -v >/dev/null 2>&1 || true
else
  fail "node-service: the dev service did not start"
  show_tail "$logs/build-node-dev.log"
  show_tail "$logs/up-node-dev.log"
fi

# --- rails: the build secret, assets:precompile, writable tmp -------------------------------
phase "rails"
if build_and_up rails web; then
  expect "rails: GET /up" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:3000/up)" 200
  asset="$("$docker" exec "$(compose rails ps -q web)" sh -c 'ls /rails/public/assets | grep "^application-.*\.css$"')" || asset=""
  if [ -n "$asset" ] && get "http://127.0.0.1:3000/assets/$asset" | grep -q 'font-family'; then
    ok "rails: the asset precompiled by the build step is served: $asset"
  else
    fail "rails: no precompiled asset served ('$asset')"
  fi
  who="$(get http://127.0.0.1:3000/whoami)"
  expect "rails: the process's uid" "$(json uid <<<"$who")" 1000
  expect "rails: RAILS_ENV" "$(json env <<<"$who")" production
  expect "rails: its code is read-only to it" "$(json code_writable <<<"$who")" false
  expect "rails: tmp is writable" "$(json tmp_writable <<<"$who")" true
  expect "rails: log is writable" "$(json log_writable <<<"$who")" true
  stop_within rails web 2
fi
# The secret is required: without it in the environment the build fails.
if (unset GEM_CREDENTIALS && echo '# e2e' >>"${dirs[rails]}/Gemfile" \
  && compose rails build web >"$logs/build-rails-no-secret.log" 2>&1); then
  fail "rails: the image built without GEM_CREDENTIALS"
else
  ok "rails: without GEM_CREDENTIALS the build fails: $(grep -m1 -o -E 'secret[^"]*not found|environment variable.*' \
    "$logs/build-rails-no-secret.log" || tail -n 1 "$logs/build-rails-no-secret.log")"
fi

# --- targets keep the cache --------------------------------------------------------------
phase "api dev target: a source edit reruns none of the target's steps"
api_dir="${dirs[api]}"
mapfile -t api_args < <(build_args "$api_dir/plan.json" api)
if docker_build api-dev.log "$api_dir" "$api_dir/docker/api.Dockerfile" e2e/api-dev --target dev "${api_args[@]}"; then
  echo '# edited by the e2e suite' >>"$api_dir/app/app.py"
  if docker_build api-dev-edit.log "$api_dir" "$api_dir/docker/api.Dockerfile" e2e/api-dev --target dev "${api_args[@]}" \
    && check only-ran "$logs/api-dev-edit.log" '^\[dev [0-9]+/[0-9]+\] COPY --chown=0:0 app /app$' \
      '^\[dev [0-9]+/[0-9]+\] RUN install -d -o 10001 -g 10001 /app/tmp /app/log$'; then
    ok "api: after a source edit the dev target reran only its sources' COPY and the directories after it"
  else
    fail "api: a source edit reran more of the dev target (its apt step?)"
  fi
  # The same assertion over the first build, where every step ran, must fail.
  if check only-ran "$logs/api-dev.log" '^\[dev [0-9]+/[0-9]+\] COPY --chown=0:0 app /app$' >/dev/null; then
    fail "the cache check accepts a cold build's log"
  else
    ok "the cache check rejects a cold build's log"
  fi
else
  fail "api: the dev target did not build"
fi

e2e_end
