#!/usr/bin/env bash
# End to end: generated runner images run as operators run them, through the
# generated compose.yaml, against a local fake of GitHub, offline.
#
#   runners.sh RIGC SOURCE_DIR CACHE_DIR
#
# A spec of two runner pools on the local Debian base (Ubuntu's archive is not
# reachable here) with the packs git and node and Docker socket mode: `e2e` with
# a GitHub App (auth app, the default) and `e2e-pat` with a personal access token.
# Its images carry tests/github/runner-standin as the runner archive (served by the
# fixture server, checked by the gh-runner pack's test copy), and are built with
# `docker compose build` (one build; the second pool differs in its last layer).
# tests/github/fake_github.py serves GitHub's API on 127.0.0.1 with registration
# tokens that expire after 5 s. Each Compose project runs the generated
# compose.yaml with an override written here that only adapts it to this machine:
# host networking (the fake is on 127.0.0.1; the private dockerd has no bridge),
# the private dockerd's socket as the host's Docker socket, the mirror build ARGs,
# and a label per project that its jobs ask for. runner.env and secrets/ are
# filled in as docs/runners.md tells operators to (secret files chmod 600).
#
# Checks, each seen to fail once against a broken image or entrypoint (docs/runners.md,
# "Proven offline", says how):
#   1  token expiry then restart (App, and a PAT): after its registration token
#      expired, the ephemeral runner runs a job, exits, Compose restarts it, and
#      it registers again with a freshly minted token;
#   2  SIGKILL of the container mid-job: it comes back and registers again;
#   3  a job that allocates beyond the memory limit: the OOM killer ends it, the
#      runner comes back and registers;
#   4  docker compose stop during a job: the job finishes within the drain
#      timeout, the runner is deregistered (ephemeral, and two non-ephemeral
#      replicas);
#   5  two replicas (--scale): distinct names;
#   6  a job that looks for the credentials everywhere (its environment, every
#      process's environment and command line, /run/secrets, home, the runner's
#      directory, /tmp, ...) finds none; the same job finds the key in a
#      container where a copy of it is world-readable (the check can fail);
#   7  the next job on the restarted container finds no file of the one before in
#      _work, home, /tmp or anywhere else (the first job's own search finds them);
#   8  a job runs docker build and docker run through the socket;
#   9  a job writes to the tool cache and runs npm install -g and corepack enable;
#  10  API faults: 5xx and 429 with Retry-After are retried and the runner
#      registers; a 401 ends with a message naming GITHUB_TOKEN_FILE and the
#      container does not restart in a tight loop.
# At the end: no runner left registered (the fake's REST API, asked with the
# PAT), and a table of the measurements (docs/runners.md, "Proven offline").
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_begin runners "$@"

phase "base image and fixtures"
e2e_rootfs_start
e2e_fixtures
e2e_rootfs_wait
phase "dockerd"
e2e_engine
e2e_import_base
e2e_compose || { fail "Compose v2 could not be fetched"; exit 1; }
socket="$work/engine/docker.sock"
# The socket as a Docker host has it: owned by a docker group (root:docker, 660),
# whose id the entrypoint reads from the socket.
docker_gid=2375
chgrp "$docker_gid" "$socket"
chmod 660 "$socket"

# --- the fake GitHub -----------------------------------------------------------------
phase "fake GitHub"
secret_dir="$work/secret"
mkdir -m 700 "$secret_dir"
openssl genrsa -out "$secret_dir/app.pem" 2048 2>/dev/null
openssl rsa -in "$secret_dir/app.pem" -pubout -out "$work/app.pub" 2>/dev/null
token36() { head -c 96 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 36; }
pat="ghp_$(token36)"
bad_pat="ghp_$(token36)"
app_id=4242
reg_ttl=5
# The settings, the PAT among them, in a root-only file (not on a command line).
jq -n --arg key "$work/app.pub" --argjson id "$app_id" --arg pat "$pat" --argjson ttl "$reg_ttl" '{
  app: {id: $id, public_key: $key}, installations: {"octo-org": 100}, pats: [$pat],
  repos: ["octo-org/octo-repo"], registration_token_ttl: $ttl, poll_seconds: 1, lost_seconds: 5}' \
  >"$secret_dir/fake.json"
fake_pid=""
python3 "$src/tests/github/fake_github.py" --config "$secret_dir/fake.json" --port-file "$work/fake.port" \
  --pid-file "$work/fake.pid" >"$logs/fake.log" 2>&1 &
stop_fake() {
  [ -n "$fake_pid" ] || return 0
  kill "$fake_pid" 2>/dev/null
  wait "$fake_pid" 2>/dev/null
}
e2e_at_exit stop_fake
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/fake.port" ] && break
  sleep 0.1
done
[ -s "$work/fake.port" ] || { fail "the fake GitHub did not start"; show_tail "$logs/fake.log"; exit 1; }
base="http://127.0.0.1:$(cat "$work/fake.port")"
repo_url="$base/octo-org/octo-repo"
echo "    fake GitHub on $base (registration tokens live ${reg_ttl} s)"

# fake METHOD PATH [JSON]: the fake's control API (/_fake/..., no credential).
fake() {
  if [ -n "${3:-}" ]; then
    curl -fsS -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$base$2"
  else
    curl -fsS -X "$1" "$base$2"
  fi
}
# registered [LABEL]: the runners GitHub lists (its REST API, with the PAT), those
# with LABEL only when given: one "NAME ID STATUS" line each.
registered() {
  curl -fsS -H @<(printf 'Authorization: token %s\n' "$pat") "$base/repos/octo-org/octo-repo/actions/runners?per_page=100" \
    | jq -r --arg l "${1:-}" '.runners[] | select($l == "" or any(.labels[]; .name == $l)) | "\(.name) \(.id) \(.status)"'
}

# --- the spec, compiled; the images built -------------------------------------------
phase "compile and build"
spec="$work/spec"
mkdir -p "$spec"
cat >"$spec/Rigfile" <<'EOF'
# runners.sh: two pools of one image, as an operator would write them (on the
# local Debian base: Ubuntu's archive is not reachable here).
defaults {
  base debian:bookworm-slim
  docker socket
  drain 30s
}

runner e2e {
  packs git node
  limits cpus 1 memory 384M
}

runner e2e-pat extends e2e {
  auth pat
}
EOF
"$rigc" build "$spec/Rigfile" "${pack_path[@]}" >"$logs/rigc.log" 2>&1 || { fail "rigc build"; show_tail "$logs/rigc.log"; exit 1; }
"$rigc" plan --format json "$spec/Rigfile" "${pack_path[@]}" >"$spec/plan.json"
dock="$spec/docker"
# What docs/runners.md tells operators: runner.env from the example, the
# credentials in secrets/, readable by root only.
sed -e "s|^RUNNER_URL=.*|RUNNER_URL=$repo_url|" -e "s|^GITHUB_APP_ID=.*|GITHUB_APP_ID=$app_id|" \
  -e "s|^# GITHUB_API_URL=.*|GITHUB_API_URL=$base/api/v3|" "$dock/runner.env.example" >"$dock/runner.env"
grep -q "^RUNNER_URL=$repo_url\$" "$dock/runner.env" || { fail "runner.env.example has no RUNNER_URL line"; exit 1; }
mkdir -m 700 "$dock/secrets"
install -m 600 "$secret_dir/app.pem" "$dock/secrets/github_app_private_key"
printf '%s\n' "$pat" >"$dock/secrets/github_token"
chmod 600 "$dock/secrets/github_token"
printf '%s\n' "$bad_pat" >"$secret_dir/bad_token"
chmod 600 "$secret_dir/bad_token"
# Docker socket mode mounts the work root at the same path on both sides.
export RIGC_RUNNER_WORK="$work/runner-work"

# override PROJECT [JSON]: docker/compose.PROJECT.yaml, the generated services
# adapted to this machine (see the top), with JSON (an object) merged into each
# service, and the top-level "secrets" of JSON's "x-secrets".
override() {
  local extra="${2:-{\}}"
  python3 - "$spec/plan.json" "$mirror" "$socket" "$1" "$extra" >"$dock/compose.$1.yaml" <<'EOF'
import json, sys
plan, mirror, socket, project, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
services = {}
for image in json.load(open(plan))["images"]:
    args = {k: f"{mirror}/" + k[: -len("_MIRROR")].lower().replace("_", "-")
            for k in image.get("build_args") or {} if k.endswith("_MIRROR")}
    service = {"build": {"network": "host", "args": args}, "network_mode": "host",
               "volumes": [f"{socket}:/var/run/docker.sock"],
               "environment": {"RUNNER_EXTRA_LABELS": f"p-{project}"}}
    for key, value in extra.items():
        if key == "x-secrets":
            continue
        if isinstance(value, dict) and isinstance(service.get(key), dict):
            service[key].update(value)
        elif isinstance(value, list) and isinstance(service.get(key), list):
            service[key] += value
        else:
            service[key] = value
    services[image["name"]] = service
out = {"services": services}
if "x-secrets" in extra:
    out["secrets"] = extra["x-secrets"]
json.dump(out, sys.stdout, indent=2)
EOF
}

# compose PROJECT ARGS...: docker compose on the generated file and the project's override
compose() {
  local project="$1"
  shift
  "$docker" compose -p "e2e-$project" -f "$dock/compose.yaml" -f "$dock/compose.$project.yaml" "$@"
}

override build
if compose build build e2e >"$logs/build-e2e.log" 2>&1 && compose build build e2e-pat >"$logs/build-e2e-pat.log" 2>&1; then
  ok "docker compose build: the runner images e2e and e2e-pat"
else
  fail "docker compose build of the runner images"
  show_tail "$logs/build-e2e.log"
  show_tail "$logs/build-e2e-pat.log"
  exit 1
fi

# --- helpers ----------------------------------------------------------------------------
# container PROJECT [SERVICE] [INDEX]: the id of the service's container
container() { compose "$1" ps -aq "${2:-e2e}" | sed -n "${3:-1}p"; }

# listening ID: how many times the container's runner said "Listening for Jobs"
# (its log keeps every start of the same container)
listening() { "$docker" logs "$1" 2>/dev/null | grep -c 'Listening for Jobs' || true; }

# await_listening ID N [SECONDS]: until the runner listened N times
await_listening() {
  local end=$((SECONDS + ${3:-90}))
  while [ "$SECONDS" -lt "$end" ]; do
    [ "$(listening "$1")" -lt "$2" ] || return 0
    sleep 0.3
  done
  return 1
}

# listen_time ID: seconds from the container's (last) start to the runner's last
# "Listening for Jobs", recorded in listen_times
listen_times=()
listen_time() {
  local started line
  started="$("$docker" inspect --format '{{.State.StartedAt}}' "$1")"
  line="$("$docker" logs -t "$1" 2>&1 | grep 'Listening for Jobs' | tail -1 | cut -d' ' -f1)"
  python3 - "$started" "$line" <<'EOF'
import sys
from datetime import datetime
def t(s):  # RFC 3339 with nanoseconds
    s = s.rstrip("Z")
    whole, _, frac = s.partition(".")
    return datetime.fromisoformat(whole).timestamp() + float("0." + (frac or "0")[:6])
print(f"{t(sys.argv[2]) - t(sys.argv[1]):.1f}")
EOF
}

# job NAME LABEL SCRIPT [ENV_JSON]: queues a job for the project's runners; prints its id
job() {
  fake POST /_fake/jobs "$(jq -n --arg n "$1" --arg l "$2" --arg s "$3" --argjson e "${4:-{\}}" \
    '{name: $n, labels: ["self-hosted", "rig-e2e", $l], script: $s, env: $e, repository: "octo-org/octo-repo"}')" \
    | jq -r .id
}
job_pat() {
  fake POST /_fake/jobs "$(jq -n --arg n "$1" --arg l "$2" --arg s "$3" \
    '{name: $n, labels: ["self-hosted", "rig-e2e-pat", $l], script: $s, repository: "octo-org/octo-repo"}')" | jq -r .id
}

# await_job ID STATUS [SECONDS]: until the job has STATUS (running, completed)
await_job() {
  local end=$((SECONDS + ${3:-120})) status
  while [ "$SECONDS" -lt "$end" ]; do
    status="$(fake GET "/_fake/jobs/$1" | jq -r .status)"
    [ "$status" != "$2" ] || return 0
    if [ "$2" = running ] && [ "$status" = completed ]; then return 1; fi
    sleep 0.3
  done
  return 1
}
job_field() { fake GET "/_fake/jobs/$1" | jq -r ".$2"; }

# run_job NAME PROJECT SCRIPT [ENV_JSON]: a job on the project's runner, to its end;
# sets job_id, job_result, job_output
run_job() {
  job_id="$(job "$1" "p-$2" "$3" "${4:-{\}}")"
  if await_job "$job_id" completed 180; then
    job_result="$(job_field "$job_id" result)"
  else
    job_result="not completed ($(job_field "$job_id" status))"
  fi
  job_output="$(job_field "$job_id" output)"
  printf '%s\n' "$job_output" >"$logs/job-$1.log"
}

# reg_tokens: the registration tokens the fake minted, "CREATED EXPIRES" a line, in order
reg_tokens() {
  fake GET /_fake/state | jq -r '.tokens.runner | map(select(.kind == "registration")) | sort_by(.created)[]
    | "\(.created) \(.expires)"'
}
# requests [SEQ]: the fake's request log after SEQ, one JSON object a line
requests() { fake GET "/_fake/requests?since=${1:-0}" | jq -c '.requests[]'; }
last_seq() { fake GET /_fake/requests | jq -r '.requests | map(.seq) | max // 0'; }

show_logs() { "$docker" logs "$1" 2>&1 | tail -n "${2:-15}" | sed 's/^/    /'; }
# expect_listening PROJECT ID N WHAT: the runner listened for the Nth time (its
# start-to-listening time recorded, except where faults delay it on purpose), or
# a failure naming WHAT
expect_listening() {
  if await_listening "$2" "$3"; then
    [ "$1" = faults ] || listen_times+=("$(listen_time "$2")")
    return 0
  fi
  fail "$1: $4: the runner did not listen (start $3) within 90 s"
  show_logs "$2"
  return 1
}

# --- the jobs ---------------------------------------------------------------------------
# Each is a bash script the stand-in's worker runs with bash -e as the runner user.

# The first job's files, everywhere a job may write, and the search that the next
# job runs (the first runs it too: it must find them all, so the search is able
# to find what a reset missed).
# shellcheck disable=SC2016 # a job's script: its shell expands it
marker_search='search() {
  find / "$(dirname "$RUNNER_WORKSPACE")" /dev/shm -xdev \( -path /proc -o -path /sys \) -prune \
    -o -name "e2e-marker-*" -print 2>/dev/null | sort -u | sed "s/^/FOUND: /" || true
  echo "searched /, the work folder and /dev/shm"
}
'
# shellcheck disable=SC2016 # a job's script: its shell expands it
writer_job="$marker_search"'
for m in "$GITHUB_WORKSPACE/e2e-marker-workspace" "$RUNNER_TEMP/e2e-marker-runner-temp" "$HOME/e2e-marker-home" \
  "$HOME/.cache/e2e-marker-home-cache" /tmp/e2e-marker-tmp /var/tmp/e2e-marker-var-tmp /dev/shm/e2e-marker-shm \
  "$RUNNER_TOOL_CACHE/e2e-marker-tool-cache"; do
  mkdir -p "$(dirname "$m")" && echo "left by the first job" >"$m" && echo "wrote $m"
done
search'
hunter_job="$marker_search"'search'

# The credential hunt: the job looks, in every place it can read, for the App's
# key and the PAT (given base64-encoded in E2E_NEEDLES, so the job's own
# environment does not hold them) and for anything shaped like a GitHub token
# (installation ghs_, PAT ghp_, a PEM private key, a 29-character registration
# token).
# shellcheck disable=SC2016 # a job's script: its shell expands it
cred_job='set +e
shape="ghs_[A-Za-z0-9]{20,}|ghp_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(^|[^A-Za-z0-9])[A-Z0-9]{29}([^A-Za-z0-9]|$)"
found=0; read_ok=0; denied=0
look() { # look WHERE: stdin holds a credential?
  local data
  data="$(tr "\0" "\n")"
  if grep -a -q -E "$shape" <<<"$data" || grep -a -q -F -f <(base64 -d <<<"$E2E_NEEDLES") <<<"$data"; then
    echo "FOUND: a credential in $1"
    found=$((found + 1))
  fi
}
try() { # try FILE
  if cat "$1" >/dev/null 2>&1; then
    read_ok=$((read_ok + 1)); look "$1" <"$1"
  else
    denied=$((denied + 1)); echo "denied: $1"
  fi
}
env | look "the job environment"
read_ok=$((read_ok + 1))
for p in /proc/[0-9]*; do try "$p/environ"; try "$p/cmdline"; done
ls -la /run/secrets
for f in /run/secrets/* /run/secrets/.[!.]*; do [ -e "$f" ] && try "$f"; done
while IFS= read -r -d "" f; do
  case "$f" in /run/secrets/*) continue ;; esac
  try "$f"
done < <(find /run /home /root /tmp /var/tmp /dev/shm /etc /var/lib /var/log /var/spool /opt /usr/local/bin \
  "$(dirname "$RUNNER_WORKSPACE")" -type f -size -4M -print0 2>/dev/null)
echo "read $read_ok places, $denied denied, $found with a credential"'

# docker build and docker run through the mounted socket
# shellcheck disable=SC2016 # a job's script: its shell expands it
docker_job='id
docker version --format "client {{.Client.Version}}, server {{.Server.Version}}"
mkdir -p ctx
printf "FROM debian:bookworm-slim\nARG NONCE\nRUN echo \"built by a job \$NONCE\" >/built\n" >ctx/Dockerfile
docker build --network host --build-arg "NONCE=$E2E_NONCE" -t e2e-job-image:latest ctx
docker run --rm --network host e2e-job-image:latest cat /built'

# the tool cache, a global npm install and corepack enable as the runner user
# shellcheck disable=SC2016 # a job's script: its shell expands it
tools_job='echo "RUNNER_TOOL_CACHE=$RUNNER_TOOL_CACHE AGENT_TOOLSDIRECTORY=$AGENT_TOOLSDIRECTORY ImageOS=$ImageOS"
mkdir -p "$RUNNER_TOOL_CACHE/e2e-tool/1.2.3/x64"
echo built >"$RUNNER_TOOL_CACHE/e2e-tool/1.2.3/x64/tool"
touch "$RUNNER_TOOL_CACHE/e2e-tool/1.2.3/x64.complete"
ls -ld "$RUNNER_TOOL_CACHE" "$RUNNER_TOOL_CACHE/e2e-tool/1.2.3/x64.complete"
npm install -g --no-audit --no-fund "$E2E_COREPACK"
corepack enable
bin="$(dirname "$(command -v corepack)")"
ls -l "$bin"
echo "corepack $(corepack --version)"
[ -L "$bin/pnpm" ] && [ -L "$bin/yarn" ] && echo "corepack enable: pnpm and yarn shims in $bin"'

# needles: what the credential hunt looks for by value (base64, one a line)
needles="$( { sed -n 2p "$secret_dir/app.pem"; tail -n 2 "$secret_dir/app.pem" | head -n 1; printf '%s\n' "$pat"; } | base64 -w0)"
secrets_found=0 # credentials a job could read, over every hunt but the broken one
places_read=0

# hunt PROJECT SERVICE LABEL: the credential hunt on the project's runner; sets
# hunt_found and hunt_read
hunt() {
  local id
  id="$(fake POST /_fake/jobs "$(jq -n --arg l "$3" --arg s "$cred_job" --arg n "$needles" --arg p "rig-$2" \
    '{name: "credential-hunt", labels: ["self-hosted", $p, $l], script: $s, env: {E2E_NEEDLES: $n},
      repository: "octo-org/octo-repo"}')" | jq -r .id)"
  await_job "$id" completed 180 || true
  job_output="$(job_field "$id" output)"
  printf '%s\n' "$job_output" >"$logs/job-credential-hunt-$1.log"
  hunt_found="$(sed -n 's/^read [0-9]* places, [0-9]* denied, \([0-9]*\) with a credential$/\1/p' <<<"$job_output")"
  hunt_read="$(sed -n 's/^read \([0-9]*\) places, .*/\1/p' <<<"$job_output")"
}

# check_hunt PROJECT SERVICE: check 6 on the project's runner
check_hunt() {
  hunt "$1" "$2" "p-$1"
  if [ -z "$hunt_found" ]; then
    fail "$1: the credential hunt did not finish (see $logs/job-credential-hunt-$1.log)"
    return
  fi
  secrets_found=$((secrets_found + hunt_found))
  places_read=$((places_read + hunt_read))
  if [ "$hunt_found" = 0 ] && [ "$hunt_read" -ge 20 ] \
    && grep -q '^denied: /run/secrets/' <<<"$job_output" && grep -q '^denied: /proc/1/environ$' <<<"$job_output"; then
    ok "$1: a job read $hunt_read places (its environment, every process's environment and command line, /run/secrets, home, the runner's directory, /tmp, /etc, ...) and found no credential; /run/secrets/* and /proc/1/environ were denied"
  else
    fail "$1: the credential hunt found $hunt_found credential(s) in $hunt_read places read: $(grep -E '^FOUND' <<<"$job_output" | head -5 | tr '\n' ';')"
  fi
}

# ===========================================================================================
phase "project app: the App's credentials, an ephemeral runner through its lives"
override app
compose app up -d e2e >"$logs/up-app.log" 2>&1 || { fail "app: docker compose up"; show_tail "$logs/up-app.log"; }
app="$(container app)"
lives=1
if [ -n "$app" ] && expect_listening app "$app" 1 "first start"; then
  name="$(registered p-app | awk '{print $1}')"
  ok "app: registered as $name and listening $(printf '%s' "${listen_times[-1]}") s after the container started"

  # --- 1. token expiry then restart -----------------------------------------------------
  sleep $((reg_ttl + 1))
  mapfile -t tokens_before < <(reg_tokens)
  seq_before="$(last_seq)"
  run_job writer app "$writer_job"
  lives=$((lives + 1))
  if expect_listening app "$app" "$lives" "after the first job"; then
    mapfile -t tokens_after < <(reg_tokens)
    first_expires="$(awk '{print $2}' <<<"${tokens_before[-1]}")"
    newest_created="$(awk '{print $1}' <<<"${tokens_after[-1]}")"
    restarts="$("$docker" inspect --format '{{.RestartCount}}' "$app")"
    chain="$(requests "$seq_before" | jq -r 'select(.status < 300) | "\(.method) \(.path) \(.auth)"' \
      | grep -E 'access_tokens jwt|registration-token installation|runner-registration registration' | awk '{print $2 "(" $3 ")"}' | sed 's|/api/v3||' | tr '\n' ' ')"
    now_name="$(registered p-app | awk '{print $1 " " $3}')"
    if [ "${#tokens_after[@]}" -gt "${#tokens_before[@]}" ] \
      && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' "$first_expires" "$newest_created" \
      && [ "$restarts" -ge 1 ] && [ "$now_name" = "$name online" ] \
      && grep -q 'access_tokens(jwt).*registration-token(installation).*runner-registration(registration)' <<<"$chain"; then
      ok "1 token expiry then restart (App): the first registration token expired, the job ran, Compose restarted the container (restarts: $restarts), it registered again as $name with a new token: $chain"
    else
      fail "1 token expiry then restart (App): tokens ${#tokens_before[@]} -> ${#tokens_after[@]}, restarts $restarts, now '$now_name', requests: $chain"
      show_logs "$app"
    fi
  fi

  # --- 7. the second job finds none of the first's files --------------------------------
  wrote="$(grep -c '^wrote ' "$logs/job-writer.log" || true)"
  found_first="$(grep -c '^FOUND: ' "$logs/job-writer.log" || true)"
  run_job hunter app "$hunter_job"
  lives=$((lives + 1))
  found_second="$(grep -c '^FOUND: ' <<<"$job_output" || true)"
  if [ "$wrote" -ge 8 ] && [ "$found_first" = "$wrote" ] && [ "$job_result" = Succeeded ] \
    && grep -q '^searched ' <<<"$job_output" && [ "$found_second" = 0 ]; then
    ok "7 a clean job every time: the first job wrote $wrote files (workspace, RUNNER_TEMP, home, ~/.cache, /tmp, /var/tmp, /dev/shm, tool cache) and its own search found $found_first; the next job on the restarted container found none"
  else
    fail "7 leftovers: the first job wrote $wrote files and found $found_first; the second ($job_result) found $found_second: $(grep '^FOUND' <<<"$job_output" | tr '\n' ' ')"
  fi

  # --- 6. credentials ---------------------------------------------------------------------
  expect_listening app "$app" "$lives" "after the second job" && check_hunt app e2e
  lives=$((lives + 1))

  # --- 8. Docker through the socket -------------------------------------------------------
  if expect_listening app "$app" "$lives" "after the credential hunt"; then
    nonce="$RANDOM$RANDOM"
    run_job docker app "$docker_job" "$(jq -n --arg n "$nonce" '{E2E_NONCE: $n}')"
    lives=$((lives + 1))
    if [ "$job_result" = Succeeded ] && grep -q "^built by a job $nonce\$" <<<"$job_output" \
      && "$docker" image inspect e2e-job-image:latest >/dev/null 2>&1; then
      ok "8 Docker socket mode: a job ran docker build and docker run on the host's daemon ($(grep -m1 '^client ' <<<"$job_output"); $(grep -m1 -o 'groups=.*' <<<"$job_output"))"
    else
      fail "8 Docker socket mode: the job $job_result: $(tail -n 5 <<<"$job_output" | tr '\n' ' ')"
    fi
  fi

  # --- 9. the tool cache and corepack -----------------------------------------------------
  if expect_listening app "$app" "$lives" "after the Docker job"; then
    run_job tools app "$tools_job" "$(jq -n --arg u "$mirror/npm/corepack/-/corepack-0.36.0.tgz" '{E2E_COREPACK: $u}')"
    lives=$((lives + 1))
    if [ "$job_result" = Succeeded ] && grep -q '^corepack enable: pnpm and yarn shims in ' <<<"$job_output" \
      && grep -q '^RUNNER_TOOL_CACHE=/opt/hostedtoolcache AGENT_TOOLSDIRECTORY=/opt/hostedtoolcache ImageOS=debian12$' <<<"$job_output"; then
      ok "9 hosted-runner parity: a job wrote to the tool cache, installed corepack with npm -g and ran corepack enable as the runner user ($(grep -m1 '^corepack [0-9]' <<<"$job_output"))"
    else
      fail "9 the tool cache and corepack: the job $job_result: $(tail -n 5 <<<"$job_output" | tr '\n' ' ')"
    fi
  fi

  # --- 2. SIGKILL mid-job -----------------------------------------------------------------
  if expect_listening app "$app" "$lives" "after the tools job"; then
    job_id="$(job sleeper p-app 'echo "job started"; sleep 300')"
    if await_job "$job_id" running 60; then
      sleep 1
      before="$("$docker" inspect --format '{{.RestartCount}}' "$app")"
      logged="$("$docker" logs "$app" 2>&1 | wc -l)"
      kill -KILL "$("$docker" inspect --format '{{.State.Pid}}' "$app")"
      lives=$((lives + 1))
      if expect_listening app "$app" "$lives" "after SIGKILL"; then
        await_job "$job_id" completed 30 || true
        after="$("$docker" inspect --format '{{.RestartCount}}' "$app")"
        since_kill="$("$docker" logs "$app" 2>&1 | tail -n +"$((logged + 1))")"
        now_name="$(registered p-app | awk '{print $1 " " $3}')"
        if [ "$after" -gt "$before" ] && ! grep -qi 'already configured' <<<"$since_kill" \
          && grep -q "registered $name as runner" <<<"$since_kill" && [ "$now_name" = "$name online" ]; then
          ok "2 SIGKILL mid-job: Compose restarted the container, it reset its state and registered $name again (no \"already configured\"); the lost job: $(job_field "$job_id" result)"
        else
          fail "2 SIGKILL mid-job: restarts $before -> $after, now '$now_name'"
          show_logs "$app"
        fi
      fi
    else
      fail "2 SIGKILL mid-job: the job never ran"
    fi
  fi

  # --- 3. OOM kill ------------------------------------------------------------------------
  if expect_listening app "$app" "$lives" "before the OOM job"; then
    run_job oom app 'node -e "const a = []; for (;;) a.push(Buffer.alloc(32 << 20, 1))"; echo "survived"'
    lives=$((lives + 1))
    code="$(job_field "$job_id" exit_code)"
    if expect_listening app "$app" "$lives" "after the OOM kill"; then
      now_name="$(registered p-app | awk '{print $1 " " $3}')"
      if [ "$job_result" = Failed ] && [ "$code" = 137 ] && [ "$now_name" = "$name online" ]; then
        ok "3 OOM kill: the job's allocation beyond 384M was killed (exit status $code), the runner came back and registered $name again"
      else
        fail "3 OOM kill: the job $job_result (exit status $code), now '$now_name'"
      fi
    fi
  fi

  # --- 4. stop during a job ---------------------------------------------------------------
  if expect_listening app "$app" "$lives" "before the stop"; then
    job_id="$(job drained p-app 'echo "job started"; sleep 8; echo "job finished"')"
    if await_job "$job_id" running 60; then
      sleep 1
      t0=$SECONDS
      compose app stop e2e >"$logs/stop-app.log" 2>&1
      took=$((SECONDS - t0))
      code="$("$docker" inspect --format '{{.State.ExitCode}}' "$app")"
      result="$(job_field "$job_id" result)"
      left="$(registered p-app | wc -l)"
      if [ "$result" = Succeeded ] && job_field "$job_id" output | grep -q '^job finished$' && [ "$code" = 143 ] \
        && [ "$left" = 0 ] && "$docker" logs "$app" 2>&1 | grep -q 'the job finished: stopping the runner' \
        && "$docker" logs "$app" 2>&1 | grep -q "deregistered"; then
        ok "4 stop during a job (ephemeral): docker compose stop waited ${took} s for the job to finish (Succeeded), the runner is gone from GitHub, exit status 143"
      else
        fail "4 stop during a job: the job $result, the stop took ${took} s, exit status $code, $left runner(s) still registered"
        show_logs "$app"
      fi
    else
      fail "4 stop during a job: the job never ran"
    fi
  fi
else
  fail "app: the runner never listened"
  [ -z "$app" ] || show_logs "$app" 30
fi
compose app down >/dev/null 2>&1 || true

# ===========================================================================================
phase "project pat: a personal access token"
override pat
compose pat up -d e2e-pat >"$logs/up-pat.log" 2>&1 || { fail "pat: docker compose up"; show_tail "$logs/up-pat.log"; }
patc="$(container pat e2e-pat)"
pat_name=""
if [ -n "$patc" ] && expect_listening pat "$patc" 1 "first start"; then
  pat_name="$(registered p-pat | awk '{print $1}')"
  sleep $((reg_ttl + 1))
  mapfile -t tokens_before < <(reg_tokens)
  seq_before="$(last_seq)"
  job_id="$(job_pat first p-pat 'echo "first job"')"
  await_job "$job_id" completed 60 || true
  if expect_listening pat "$patc" 2 "after the first job"; then
    mapfile -t tokens_after < <(reg_tokens)
    first_expires="$(awk '{print $2}' <<<"${tokens_before[-1]}")"
    newest_created="$(awk '{print $1}' <<<"${tokens_after[-1]}")"
    chain="$(requests "$seq_before" | jq -r 'select(.status < 300) | "\(.method) \(.path) \(.auth)"' \
      | grep -E 'registration-token pat|runner-registration registration' | awk '{print $2 "(" $3 ")"}' | sed 's|/api/v3||' | tr '\n' ' ')"
    now_name="$(registered p-pat | awk '{print $1 " " $3}')"
    if [ "$(job_field "$job_id" result)" = Succeeded ] && [ "${#tokens_after[@]}" -gt "${#tokens_before[@]}" ] \
      && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)' "$first_expires" "$newest_created" \
      && [ "$now_name" = "$pat_name online" ] && grep -q 'registration-token(pat).*runner-registration(registration)' <<<"$chain"; then
      ok "1 token expiry then restart (PAT): after the token expired and a job ran, the restarted container registered $pat_name again with a new token: $chain"
    else
      fail "1 token expiry then restart (PAT): tokens ${#tokens_before[@]} -> ${#tokens_after[@]}, now '$now_name', requests: $chain"
      show_logs "$patc"
    fi
    expect_listening pat "$patc" 2 "before the credential hunt" && check_hunt pat e2e-pat
    # Registered again after that job: the stop below has a runner to deregister.
    expect_listening pat "$patc" 3 "after the credential hunt"
  fi
else
  fail "pat: the runner never listened"
  [ -z "$patc" ] || show_logs "$patc" 30
fi
if [ -n "$pat_name" ]; then
  compose pat stop >/dev/null 2>&1 || true
  left="$(registered p-pat | wc -l)"
  if [ "$left" = 0 ] && "$docker" logs "$patc" 2>&1 | grep -q "runner-entrypoint: deregistered $pat_name (runner "; then
    ok "pat: docker compose stop deleted the idle runner's registration"
  else
    fail "pat: after docker compose stop, $left runner(s) left, or no deregistration logged"
  fi
fi
compose pat down >/dev/null 2>&1 || true

# ===========================================================================================
phase "project replicas: two replicas of one service, not ephemeral"
override replicas '{"environment": {"RUNNER_EPHEMERAL": "false"}}'
compose replicas up -d --scale e2e=2 e2e >"$logs/up-replicas.log" 2>&1 || { fail "replicas: up"; show_tail "$logs/up-replicas.log"; }
r1="$(container replicas e2e 1)"
r2="$(container replicas e2e 2)"
if [ -n "$r1" ] && [ -n "$r2" ] && expect_listening replicas "$r1" 1 "replica 1" && expect_listening replicas "$r2" 1 "replica 2"; then
  names="$(registered p-replicas | awk '{print $1}' | sort | tr '\n' ' ')"
  if [ "$(wc -w <<<"$names")" = 2 ] && [ "$(tr ' ' '\n' <<<"$names" | sort -u | grep -c .)" = 2 ]; then
    ok "5 two replicas from one service and one env file: distinct names $names"
  else
    fail "5 two replicas: registered '$names'"
    show_logs "$r1" 8
    show_logs "$r2" 8
  fi
  # 4 again, where the entrypoint deregisters (a non-ephemeral runner stays
  # registered after its job): the stop reaches both replicas, one busy.
  job_id="$(job drained-replica p-replicas 'echo "job started"; sleep 8; echo "job finished"')"
  if await_job "$job_id" running 60; then
    sleep 1
    t0=$SECONDS
    compose replicas stop e2e >"$logs/stop-replicas.log" 2>&1
    took=$((SECONDS - t0))
    codes="$("$docker" inspect --format '{{.State.ExitCode}}' "$r1" "$r2" | tr '\n' ' ')"
    result="$(job_field "$job_id" result)"
    deregistered="$( ("$docker" logs "$r1" 2>&1; "$docker" logs "$r2" 2>&1) | grep -c 'runner-entrypoint: deregistered rig-e2e-' || true)"
    left="$(registered p-replicas | wc -l)"
    if [ "$result" = Succeeded ] && job_field "$job_id" output | grep -q '^job finished$' && [ "$codes" = "143 143 " ] \
      && [ "$deregistered" = 2 ] && [ "$left" = 0 ]; then
      ok "4 stop during a job (not ephemeral): docker compose stop waited ${took} s while one replica finished its job (Succeeded); both deleted their registration and exited 143"
    else
      fail "4 stop during a job (not ephemeral): the job $result, the stop took ${took} s, exit statuses $codes, $deregistered deregistered, $left left"
      show_logs "$r1" 10
      show_logs "$r2" 10
    fi
  else
    fail "4 stop during a job (not ephemeral): the job never ran"
  fi
fi
compose replicas down >/dev/null 2>&1 || true

# ===========================================================================================
phase "project faults: 5xx and 429 are retried; a 401 is not, and does not loop"
override faults
fault_seq="$(last_seq)"
fake POST /_fake/faults '{"method": "GET", "path": "/repos/octo-org/octo-repo/installation$", "status": 502}' >/dev/null
fake POST /_fake/faults '{"method": "POST", "path": "/app/installations/[0-9]+/access_tokens$", "status": 503, "count": 2}' >/dev/null
fake POST /_fake/faults '{"method": "POST", "path": "/actions/runners/registration-token$", "status": 429, "retry_after": 2}' >/dev/null
compose faults up -d e2e >"$logs/up-faults.log" 2>&1 || { fail "faults: up"; show_tail "$logs/up-faults.log"; }
fc="$(container faults)"
if [ -n "$fc" ] && expect_listening faults "$fc" 1 "with faults"; then
  pending="$(fake GET /_fake/faults | jq '[.faults[] | select(.hits < .count)] | length')"
  retries="$("$docker" logs "$fc" 2>&1 | grep -c 'retrying in' || true)"
  answered="$(requests "$fault_seq" | jq -r 'select(.fault != null) | .status' | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')"
  if [ "$pending" = 0 ] && [ "$retries" = 4 ] && "$docker" logs "$fc" 2>&1 | grep -q 'GitHub asks to wait 2 s (Retry-After)' \
    && [ "$(registered p-faults | wc -l)" = 1 ]; then
    ok "10 API faults: $answered answered, each retried ($retries retries, the 429 after its Retry-After), and the runner registered"
  else
    fail "10 API faults: $pending fault(s) not reached, $retries retries logged, answers: $answered"
    show_logs "$fc"
  fi
fi
compose faults down >/dev/null 2>&1 || true
fake DELETE /_fake/faults >/dev/null || true

# A wrong personal access token: GitHub answers 401 Bad credentials.
fatal_delay=10
override unauthorized "$(jq -n --argjson d "$fatal_delay" --arg f "$secret_dir/bad_token" \
  '{environment: {RUNNER_FATAL_DELAY: ($d | tostring)}, "x-secrets": {github_token: {file: $f}}}')"
seq_401="$(last_seq)"
compose unauthorized up -d e2e-pat >"$logs/up-unauthorized.log" 2>&1 || { fail "401: up"; show_tail "$logs/up-unauthorized.log"; }
uc="$(container unauthorized e2e-pat)"
window=25
sleep "$window"
if [ -n "$uc" ]; then
  tries="$(requests "$seq_401" | jq -r 'select(.status == 401 and (.path | test("registration-token$"))) | .seq' | wc -l)"
  restarts="$("$docker" inspect --format '{{.RestartCount}}' "$uc")"
  message="$("$docker" logs "$uc" 2>&1 | grep -m1 'error: ' || true)"
  if [ "$tries" -ge 1 ] && [ "$tries" -le $((window / fatal_delay + 1)) ] && grep -q 'GITHUB_TOKEN_FILE' <<<"$message" \
    && grep -q '401' <<<"$message"; then
    ok "10 a 401 is not retried: $tries request(s) in ${window} s (container restarts: $restarts, RUNNER_FATAL_DELAY ${fatal_delay} s), and the message names the file: ${message#*error: }"
  else
    fail "10 a 401: $tries request(s) in ${window} s, restarts $restarts, message: $message"
    show_logs "$uc"
  fi
fi
t0=$SECONDS
compose unauthorized down >/dev/null 2>&1 || true
echo "    down took $((SECONDS - t0)) s"

# ===========================================================================================
phase "the credential hunt can fail: a world-readable copy of the key"
install -m 644 "$secret_dir/app.pem" "$work/leaked_key"
override leak "$(jq -n --arg f "$work/leaked_key" '{volumes: ["\($f):/run/secrets/leaked_key:ro"]}')"
compose leak up -d e2e >"$logs/up-leak.log" 2>&1 || { fail "leak: up"; show_tail "$logs/up-leak.log"; }
lc="$(container leak)"
if [ -n "$lc" ] && expect_listening leak "$lc" 1 "first start"; then
  hunt leak e2e p-leak
  if [ "${hunt_found:-0}" -ge 1 ] && grep -q '^FOUND: a credential in /run/secrets/leaked_key$' <<<"$job_output"; then
    ok "6 the hunt finds a credential when one is readable: $(grep -m3 '^FOUND' <<<"$job_output" | tr '\n' ';')"
  else
    fail "6 the hunt did not find the world-readable key: found '${hunt_found:-}'"
  fi
fi
compose leak down >/dev/null 2>&1 || true

# ===========================================================================================
phase "after shutdown"
left="$(registered | wc -l)"
if [ "$left" = 0 ]; then
  ok "no runner left registered after every project was stopped (GET /repos/octo-org/octo-repo/actions/runners)"
else
  fail "$left runner(s) left registered: $(registered | tr '\n' ';')"
fi
faults_injected="$(requests 0 | jq -r 'select(.fault != null) | .status' | wc -l)"
unauthorized="$(requests 0 | jq -r 'select(.status == 401) | .status' | wc -l)"
read -r t_min t_median t_max < <(printf '%s\n' "${listen_times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[1], a[int((NR + 1) / 2)], a[NR]}')
echo
echo "| measure | value |"
echo "| --- | --- |"
echo "| faults injected (502, 503, 429 with Retry-After) | $faults_injected, all retried; the runner registered |"
echo "| 401 answers (a wrong PAT) | $unauthorized in ${window} s (RUNNER_FATAL_DELAY ${fatal_delay} s): no tight loop |"
echo "| runners left registered after shutdown | $left |"
echo "| secrets readable by a job | $secrets_found (of $places_read places read by the hunts) |"
echo "| container start to \"Listening for Jobs\" | median $t_median s (min $t_min, max $t_max; ${#listen_times[@]} starts) |"
echo
echo "start to listening, in order (s): ${listen_times[*]}"

e2e_end
