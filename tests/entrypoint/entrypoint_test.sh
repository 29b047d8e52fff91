#!/usr/bin/env bash
# The generated runner-entrypoint.sh, run for real on this host as root, without
# containers: against the local fake GitHub (tests/github/fake_github.py, started
# and stopped here by its PID) and the runner stand-in (tests/github/runner-standin)
# installed in a temporary RUNNER_HOME owned by `nobody`, which runs the jobs.
# Every path the script resets (work folder, home, TMPDIR, tool cache, home
# snapshot) is a temporary directory of this test.
#
#   entrypoint_test.sh RIGC              renders the script with `RIGC build`
#   entrypoint_test.sh --script FILE     tests FILE instead (the self-test's mutants)
#
# ENTRYPOINT_TEST_ONLY="pat stop" runs only those groups (see the end of the file).
# ENTRYPOINT_TEST_KEEP=1 keeps the test's directory (logs, the spies' findings).
# ENTRYPOINT_TEST_PATIENCE (default 60 s) bounds every wait; a wait that runs out
# is a failure, but no check depends on timing except where a test says so
# (a Retry-After wait, a drain within its timeout).
#
# Safety: the script under test runs with a PATH whose first entry holds an `rm`
# that deletes only inside this test's directory (anything else is refused and
# recorded as a failure), and the cases that point a reset path at / give no
# credential, so that even a script whose guard is broken stops before it resets.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
github="$(cd "$here/../github" && pwd)"
patience="${ENTRYPOINT_TEST_PATIENCE:-60}"
real_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
runner_uid=65534 # nobody
runner_gid="$(id -g nobody)"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the entrypoint tests run as root (they start the runner as nobody with setpriv)"
  exit 77
fi
for tool in curl jq openssl setpriv shellcheck unshare /usr/bin/python3 tar; do
  command -v "$tool" >/dev/null || {
    echo "missing: $tool"
    exit 1
  }
done

work="$(readlink -f "$(mktemp -d "${TMPDIR:-/tmp}/entrypoint-test.XXXXXX")")"
chmod 755 "$work" # nobody walks through it to its runner directories
mkdir -m 700 "$work/root" # what only root may read: keys, tokens, logs
mkdir -m 1777 "$work/loot" # what spying jobs found
fake_pid=""
sessions=() # the sessions of every script started (each its own, by setsid), as SID:STARTTIME
helpers=()  # other background processes of the test

# start_time PID: the process's start time (field 22 of /proc/PID/stat), empty
# once it has ended.
start_time() {
  local rest
  read -r rest 2>/dev/null <"/proc/$1/stat" || return 0
  rest="${rest##*) }"
  read -r _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ rest _ <<<"$rest"
  printf '%s' "$rest"
}

# kill_session SID[:STARTTIME]: SIGKILL to every process of that session. PIDs
# are reused (pid_max may be 32768, and other suites run at the same time): if a
# process SID runs but started at another time, the session is someone else's.
# (A bare SID is for a leader not yet waited for, whose PID cannot be reused.)
kill_session() {
  local stat pid sid rest now
  if [[ "$1" == *:* ]]; then
    now="$(start_time "${1%%:*}")"
    if [ -n "$now" ] && [ "$now" != "${1#*:}" ]; then return 0; fi
    set -- "${1%%:*}"
  fi
  for stat in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null <"$stat" || continue
    pid="${stat#/proc/}"
    pid="${pid%/stat}"
    rest="${rest##*) }"
    read -r _ _ _ sid _ <<<"$rest"
    [ "$sid" != "$1" ] || kill -KILL "$pid" 2>/dev/null || true
  done
}
cleanup() {
  local sid pid
  for sid in "${sessions[@]}"; do kill_session "$sid"; done
  for pid in "${helpers[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ -n "${ENTRYPOINT_TEST_KEEP:-}" ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- The script under test ---------------------------------------------------------------

if [ "${1:-}" = --script ]; then
  script="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
else
  rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  mkdir "$work/spec"
  printf 'runner ci {\n  packs git\n}\n' >"$work/spec/Rigfile"
  (cd "$work/spec" && "$rigc" build >/dev/null)
  script="$work/spec/docker/runner-entrypoint.sh"
fi
cp "$script" "$work/entry.sh"
chmod 755 "$work/entry.sh"
entry="$work/entry.sh"

# --- Results ---------------------------------------------------------------------------------

passed=0
failed=0
case_name=""
ok() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: ${case_name}: $*"
}
show() { # FILE: a file's lines, indented, after a failure
  sed 's/^/    | /' "$1" 2>/dev/null | tail -n 40
}
expect_eq() { # WHAT GOT WANT
  if [ "$2" = "$3" ]; then ok; else fail "$1: got '$2', expected '$3'"; fi
}
expect_in() { # FILE TEXT: FILE has a line containing TEXT
  if grep -qF -- "$2" "$1" 2>/dev/null; then ok; else
    fail "'$2' not in $(basename "$1")"
    show "$1"
  fi
}
expect_not_in() { # FILE TEXT
  if ! grep -qF -- "$2" "$1" 2>/dev/null; then ok; else
    fail "'$2' in $(basename "$1")"
    grep -F -- "$2" "$1" | head -n 3 | sed 's/^/    | /'
  fi
}
expect_count() { # FILE TEXT N: TEXT on exactly N lines of FILE
  local got
  got="$(grep -cF -- "$2" "$1" 2>/dev/null)" || true
  if [ "${got:-0}" -eq "$3" ]; then ok; else fail "'$2' on ${got:-0} lines of $(basename "$1"), expected $3"; fi
}

# --- The fake GitHub and credentials -------------------------------------------------------------

openssl genrsa -out "$work/root/app.pem" 2048 2>/dev/null
openssl genrsa -out "$work/root/other.pem" 2048 2>/dev/null
openssl rsa -in "$work/root/app.pem" -pubout -out "$work/app.pub" 2>/dev/null
pat="ghp_$(head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c 36)"
app_id=4242
# The fake's settings, the PAT among them, in a root-only file: on its command
# line every process (jobs included) could read them.
jq -n --arg key "$work/app.pub" --argjson id "$app_id" --rawfile pat <(printf '%s' "$pat") '{
  app: {id: $id, public_key: $key}, installations: {"octo-org": 100}, pats: [$pat],
  repos: ["octo-org/octo-repo"], enterprises: {"octo-ent": ["octo-org"]},
  poll_seconds: 4, lost_seconds: 5}' >"$work/root/fake.json"
/usr/bin/python3 "$github/fake_github.py" --config "$work/root/fake.json" --port-file "$work/port" \
  --pid-file "$work/fake.pid" >"$work/root/fake.log" 2>&1 &
helpers+=($!)
for _ in $(seq $((patience * 10))); do
  [ ! -s "$work/fake.pid" ] || [ ! -s "$work/port" ] || break
  sleep 0.1
done
fake_pid="$(cat "$work/fake.pid")"
base="http://127.0.0.1:$(cat "$work/port")"
org_url="$base/octo-org"
repo_url="$base/octo-org/octo-repo"

# fake METHOD PATH [JSON]: the fake's control API (/_fake/..., no credential).
fake() {
  if [ -n "${3:-}" ]; then
    curl -sS -X "$1" -H 'Content-Type: application/json' --data-binary "$3" "$base$2"
  else
    curl -sS -X "$1" "$base$2"
  fi
}
# fake_with_pat METHOD PATH [JSON]: a REST call with the PAT (on a pipe, never
# on a command line).
fake_with_pat() {
  printf '%s' "${3:-}" | curl -sS -X "$1" -H 'Content-Type: application/json' ${3:+--data-binary @-} \
    -H @<(printf 'Authorization: Bearer %s\n' "$pat") "$base/api/v3$2"
}
runners_named() { fake GET /_fake/state | jq --arg n "$1" '[.runners[] | select(.name == $n)] | length'; }
runner_field() { fake GET /_fake/state | jq -r --arg n "$1" --arg f "$2" '[.runners[] | select(.name == $n)][0][$f]'; }
last_seq() { fake GET /_fake/requests | jq '[.requests[].seq] | max // 0'; }
# requests_since SEQ: "METHOD PATH STATUS AUTH" lines of the request log.
requests_since() {
  fake GET "/_fake/requests?since=$1" | jq -r '.requests[] | "\(.method) \(.path) \(.status) \(.auth)"'
}

# The secrets no job may find: a file of them (root-only), one per line with
# its label in a second file.
secret() { # LABEL VALUE
  printf '%s\n' "$2" >>"$work/root/secrets"
  printf '%s\n' "$1" >>"$work/root/secret-labels"
}
secret "the PAT" "$pat"
# The App key: each line of its base64 body (64 characters each).
while IFS= read -r line; do
  [[ "$line" == -----* ]] || secret "the App's private key" "$line"
done <"$work/root/app.pem"

# --- Helpers: shims, runner directories, starting the script ------------------------------------------

mkdir "$work/bin"
# rm: deletes only inside this test's directory; anything else is refused and
# recorded in $work/violations (a failure of every case).
: >"$work/violations"
chmod 666 "$work/violations"
cat >"$work/bin/rm" <<EOF
#!/bin/bash
# rm for the entrypoint tests: only inside $work.
dashes=""
for arg in "\$@"; do
  if [ -z "\$dashes" ]; then
    [ "\$arg" != -- ] || { dashes=1; continue; }
    [[ "\$arg" != -* ]] || continue
  fi
  case "\$(readlink -m -- "\$arg")/" in
    "$work"/?*) ;;
    *)
      printf 'rm %s\n' "\$*" >>"$work/violations"
      echo "rm (entrypoint test guard): refusing to delete \$arg" >&2
      exit 1
      ;;
  esac
done
exec $(command -v rm) "\$@"
EOF
# curl: as root (the script under test), keeps a copy of every answer in a
# root-only log, so that the tokens GitHub handed out are known to the test.
cat >"$work/bin/curl" <<EOF
#!/bin/bash
if [ "\$(id -u)" -eq 0 ]; then
  $(command -v curl) "\$@" | tee -a "$work/root/curl.log"
  exit "\${PIPESTATUS[0]}"
fi
exec $(command -v curl) "\$@"
EOF
# hostname: FAKE_HOSTNAME, so that two "containers" can have different names.
cat >"$work/bin/hostname" <<'EOF'
#!/bin/sh
echo "${FAKE_HOSTNAME:-testhost}"
EOF
chmod 755 "$work/bin/rm" "$work/bin/curl" "$work/bin/hostname"

# The runner user's home as the "image" built it: owners kept by the reset.
mkdir -p "$work/snapshot/.config"
echo 'from the image' >"$work/snapshot/.profile"
echo 'owned by root' >"$work/snapshot/.config/root-owned"
chown -R "$runner_uid:$runner_gid" "$work/snapshot"
chown 0:0 "$work/snapshot/.config/root-owned"
tar -C "$work/snapshot" -cf "$work/home.tar" .

case "$(uname -m)" in
  x86_64) arch_label=x64 ;;
  aarch64 | arm64) arch_label=arm64 ;;
  *) arch_label="$(uname -m)" ;;
esac

# new_runner NAME [keep]: a fresh "container" in $work/r/NAME: the stand-in
# runner in runner/ (its config.sh wrapped, to record each call), home/, work/,
# tmp/ and tool/; sets dir, and host (its hostname, NAME; so its runner is
# rig-ci-NAME). Whatever earlier cases left running ends first, unless "keep".
new_runner() {
  local sid
  if [ "${2:-}" != keep ]; then
    for sid in "${sessions[@]}"; do kill_session "$sid"; done
    sessions=()
  fi
  dir="$work/r/$1"
  host="$1"
  mkdir -p "$dir"
  cp -a "$github/runner-standin" "$dir/runner"
  mv "$dir/runner/config.sh" "$dir/runner/config.standin.sh"
  cat >"$dir/runner/config.sh" <<'EOF'
#!/bin/bash
# config.sh wrapper (entrypoint test): records the command line, the user and
# whether a token came in the environment, then runs the stand-in's config.sh;
# while a file "hold" is beside it, not before a file "release" is there too.
here="$(dirname "$(readlink -f "$0")")"
{
  printf 'uid=%s token-in-env=%s args:' "$(id -u)" "${ACTIONS_RUNNER_INPUT_TOKEN:+yes}"
  printf ' %s' "$@"
  printf '\n'
} >>"$here/config-calls.log"
if [ -e "$here/hold" ]; then
  while [ ! -e "$here/release" ]; do sleep 0.1; done
fi
exec "$here/config.standin.sh" "$@"
EOF
  chmod 755 "$dir/runner/config.sh"
  mkdir -p "$dir/home" "$dir/work" "$dir/tool" "$dir/tmp" "$dir/var-tmp" "$dir/secrets"
  chmod 1777 "$dir/tmp" "$dir/var-tmp"
  chmod 700 "$dir/secrets"
  chown -R "$runner_uid:$runner_gid" "$dir/runner" "$dir/home" "$dir/work" "$dir/tool"
}

# secret_file NAME VALUE: a root-only file in dir/secrets; prints its path.
secret_file() {
  (umask 077 && printf '%s\n' "$2" >"$dir/secrets/$1")
  printf '%s' "$dir/secrets/$1"
}

# start_entry TAG [VAR=VALUE...]: starts the script in the background for the
# runner in dir, in a session of its own, its environment made of the defaults
# below and the arguments; stdout in dir/TAG.out, stderr in dir/TAG.err. Sets
# entry_pid. wrap=(...) runs before env (a namespace), as=(...) between env and
# the script (another user).
wrap=()
as=()
start_entry() {
  local tag="$1"
  shift
  setsid "${wrap[@]}" env --default-signal=INT,QUIT -i PATH="$work/bin:$real_path" LANG=C.UTF-8 \
    "${url_setting:-RUNNER_URL=$org_url}" RUNNER_USER=nobody RUNNER_HOME="$dir/runner" RUNNER_USER_HOME="$dir/home" \
    RUNNER_WORKDIR="$dir/work" TMPDIR="$dir/tmp" RUNNER_VAR_TMPDIR="$dir/var-tmp" RUNNER_TOOL_CACHE="$dir/tool" RIGC_HOME_SNAPSHOT="$work/home.tar" \
    RUNNER_POOL=ci RUNNER_LABELS=rig-ci,tool1 RUNNER_FATAL_DELAY=0 DOCKER_HOST="unix://$dir/no-docker.sock" \
    RUNNER_JOB_ENV="LANG TMPDIR RUNNER_TOOL_CACHE LISTED_VAR" LISTED_VAR=visible BUILD_ONLY_VAR=withheld \
    FAKE_HOSTNAME="$host" "$@" "${as[@]}" "$entry" >"$dir/$tag.out" 2>"$dir/$tag.err" &
  entry_pid=$!
  sessions+=("$entry_pid:$(start_time "$entry_pid")")
}

# run_entry TAG [VAR=VALUE...]: start_entry and await_exit.
run_entry() {
  start_entry "$@"
  await_exit
}

# await TEXT FILE: waits until FILE has a line with TEXT; a failure if the
# script ends first or the patience runs out.
await() {
  for _ in $(seq $((patience * 10))); do
    if grep -qF -- "$1" "$2" 2>/dev/null; then return 0; fi
    if ! kill -0 "$entry_pid" 2>/dev/null; then
      grep -qF -- "$1" "$2" 2>/dev/null && return 0
      fail "the script ended before '$1' appeared in $(basename "$2")"
      show "${2%.*}.err"
      return 1
    fi
    sleep 0.1
  done
  fail "'$1' did not appear in $(basename "$2") within $patience s"
  show "${2%.*}.err"
  return 1
}

# await_exit: waits for the script (entry_pid) to end; sets code. A script
# still running after the patience is killed (a failure).
await_exit() {
  code=0
  for _ in $(seq $((patience * 10))); do
    if ! kill -0 "$entry_pid" 2>/dev/null; then
      wait "$entry_pid" || code=$?
      return 0
    fi
    sleep 0.1
  done
  fail "the script did not end within $patience s"
  kill_session "$entry_pid"
  wait "$entry_pid" || code=$?
  return 1
}

# await_fn WHAT COMMAND...: waits until COMMAND succeeds (asked 5 times a second).
await_fn() {
  local what="$1"
  shift
  for _ in $(seq $((patience * 5))); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  fail "$what: not within $patience s"
  return 1
}

expect_code() {
  if [ "$code" -eq "$1" ]; then ok; else
    fail "exit status $code, expected $1"
    show "$dir/$2.err"
  fi
}
expect_no_runner() { # NAME
  expect_eq "runners named $1 on GitHub" "$(runners_named "$1")" 0
}

# add_job SCRIPT [ENV_JSON] [LABELS_JSON]: queues a job for rig-ci; prints its id.
add_job() {
  fake POST /_fake/jobs "$(jq -n --arg s "$1" --argjson e "${2:-{\}}" \
    --argjson l "${3:-[\"self-hosted\", \"linux\", \"$arch_label\", \"rig-ci\"]}" \
    '{labels: $l, script: $s, env: $e}')" | jq -r .id
}
job_field() { fake GET "/_fake/jobs/$1" | jq -r ".$2"; }
job_is() { [ "$(job_field "$1" status)" = "$2" ]; }
await_job() { # ID STATUS
  await_fn "job $1 $2" job_is "$1" "$2"
}

# worker_of SID: whether a Runner.Worker runs in that session.
worker_in_session() {
  local comm stat rest sid
  for comm in /proc/[0-9]*/comm; do
    [ "$(cat "$comm" 2>/dev/null)" = Runner.Worker ] || continue
    stat="${comm%comm}stat"
    read -r rest 2>/dev/null <"$stat" || continue
    rest="${rest##*) }"
    read -r _ _ _ sid _ <<<"$rest"
    [ "$sid" != "$1" ] || return 0
  done
  return 1
}

# --- The spy: a job that looks for credentials everywhere it can -------------------------------------------

# shellcheck disable=SC2016 # a script for the job, expanded there
spy_script='set +e
{
  echo "== uid $(id -u) gid $(id -g) groups $(id -G)"
  echo "== env"
  env
  for p in /proc/[0-9]*; do
    if [ -r "$p/environ" ]; then
      echo "== $p/environ"
      tr "\0" "\n" <"$p/environ" 2>/dev/null
      echo
    fi
    echo "== $p/cmdline"
    tr "\0" " " <"$p/cmdline" 2>/dev/null
    echo
  done
  echo "== /proc/1/environ: $(cat /proc/1/environ 2>&1 | head -c 200)"
  for f in $SPY_FILES; do
    echo "== secret file $f"
    cat -- "$f" 2>&1
    echo
  done
  for d in $SPY_DIRS; do
    find "$d" -type f 2>/dev/null | while IFS= read -r f; do
      [ -r "$f" ] || continue
      echo "== file $f"
      cat -- "$f" 2>/dev/null
      echo
    done
  done
} >"$LOOT" 2>&1
env >"$LOOT.env"
echo "spy: read $(grep -c "^== /proc/.*/environ" "$LOOT") environments, $(grep -c "^== /proc/.*/cmdline" "$LOOT") command lines, $(grep -c "^== file " "$LOOT") files"
id -u'

# spy_job NAME SECRET_FILE...: queues the spy for the runner in dir; prints its id.
spy_job() {
  local name="$1"
  shift
  add_job "$spy_script" "$(jq -n --arg loot "$work/loot/$name" --arg files "$*" \
    --arg dirs "$dir/runner $dir/tmp $dir/home $dir/work" '{LOOT: $loot, SPY_FILES: $files, SPY_DIRS: $dirs}')"
}

# check_loot NAME: the spy found none of the secrets (those of the test and every
# token the script got from GitHub), nothing of the script's settings in its
# environment, and ran as nobody.
check_loot() {
  local loot="$work/loot/$1" value label i=0 found=0
  if [ ! -s "$loot" ]; then
    fail "the spy job left no findings ($loot)"
    return
  fi
  # Every token GitHub handed to the script (installation, registration, remove).
  if [ -f "$work/root/curl.log" ]; then
    grep -o '"token": *"[^"]*"' "$work/root/curl.log" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u |
      while IFS= read -r value; do secret "a token the script minted" "$value"; done
  fi
  mapfile -t labels <"$work/root/secret-labels"
  while IFS= read -r value; do
    label="${labels[$i]}"
    i=$((i + 1))
    [ -n "$value" ] || continue
    if grep -qF -f <(printf '%s\n' "$value") "$loot"; then
      fail "a job can read $label: $(grep -F -f <(printf '%s\n' "$value") "$loot" | head -c 150 | head -n 1)"
      found=1
    fi
  done <"$work/root/secrets"
  [ "$found" -eq 1 ] || ok
  expect_in "$loot" "== uid $runner_uid "
  # The job environment: what RUNNER_JOB_ENV lists, nothing else of the script's.
  expect_in "$loot.env" "LISTED_VAR=visible"
  expect_in "$loot.env" "HOME=$dir/home"
  expect_in "$loot.env" "TMPDIR=$dir/tmp"
  for value in BUILD_ONLY_VAR RUNNER_URL GITHUB_APP_ID GITHUB_TOKEN_FILE RUNNER_TOKEN_FILE \
    GITHUB_APP_PRIVATE_KEY_FILE RUNNER_JITCONFIG_FILE ACTIONS_RUNNER_INPUT_JITCONFIG RUNNER_JOB_ENV; do
    expect_not_in "$loot.env" "$value="
  done
}

# config_args: the last config.sh registration call's command line.
config_args() { grep -v ' args: remove' "$dir/runner/config-calls.log" | tail -n 1; }

# ==========================================================================================
# The tests. Each group is a function; ENTRYPOINT_TEST_ONLY picks some.
# ==========================================================================================

test_shellcheck() {
  case_name="shellcheck"
  if shellcheck "$entry" >"$work/shellcheck.out" 2>&1; then ok; else
    fail "shellcheck reports problems"
    show "$work/shellcheck.out"
  fi
}

# A personal access token, organisation scope, ephemeral: register, one job (the
# spy), gone.
test_pat() {
  case_name="PAT flow"
  new_runner pat
  local token_file job seq
  token_file="$(secret_file github_token "$pat")"
  seq="$(last_seq)"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EXTRA_LABELS=" extra ,RIG-CI,Linux,,"
  await "Listening for Jobs" "$dir/1.out" || return
  expect_eq "runners named rig-ci-$host" "$(runners_named "rig-ci-$host")" 1
  expect_eq "ephemeral" "$(runner_field "rig-ci-$host" ephemeral)" true
  expect_in "$dir/runner/config-calls.log" "uid=$runner_uid token-in-env=yes args: --unattended --url $org_url --name rig-ci-$host --labels self-hosted,linux,$arch_label,rig-ci,tool1,extra --work $dir/work --replace --disableupdate --ephemeral"
  expect_in <(requests_since "$seq") "POST /api/v3/orgs/octo-org/actions/runners/registration-token 201 pat"
  job="$(spy_job pat "$token_file")"
  await_job "$job" completed || return
  expect_eq "spy job result" "$(job_field "$job" result)" Succeeded
  await_exit
  expect_code 0 1
  expect_in "$dir/1.err" "the runner finished and is no longer registered"
  expect_no_runner "rig-ci-$host"
  check_loot pat
}

# GITHUB_APP_ID without a key: beside a token file (one runner.env shared by
# pools of different `auth`), the token is used; alone, a clear error.
test_app_id_shared() {
  local seq
  case_name="GITHUB_APP_ID beside a PAT"
  new_runner app-id-pat
  seq="$(last_seq)"
  start_entry 1 GITHUB_APP_ID="$app_id" GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")"
  await "Listening for Jobs" "$dir/1.out" || return
  expect_in "$dir/1.err" "notice: GITHUB_APP_ID is set, but there is no App private key"
  expect_in "$dir/1.err" "credential: a personal access token"
  expect_in <(requests_since "$seq") "POST /api/v3/orgs/octo-org/actions/runners/registration-token 201 pat"
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  expect_no_runner "rig-ci-$host"

  case_name="GITHUB_APP_ID alone"
  new_runner app-id-alone
  run_entry 1 GITHUB_APP_ID="$app_id"
  expect_code 1 1
  expect_in "$dir/1.err" "GITHUB_APP_ID is given but not the App's private key: set GITHUB_APP_PRIVATE_KEY_FILE"
}

# A GitHub App, repository scope: JWT -> installation (looked up) -> installation
# token -> registration token; one job; gone.
test_app() {
  case_name="App flow"
  new_runner app
  local key job seq
  key="$(secret_file github_app_private_key "$(cat "$work/root/app.pem")")"
  seq="$(last_seq)"
  start_entry 1 RUNNER_URL="$repo_url" GITHUB_APP_ID="$app_id" GITHUB_APP_PRIVATE_KEY_FILE="$key"
  await "Listening for Jobs" "$dir/1.out" || return
  requests_since "$seq" >"$dir/requests"
  expect_in "$dir/requests" "GET /api/v3/repos/octo-org/octo-repo/installation 200 jwt"
  expect_in "$dir/requests" "POST /api/v3/app/installations/100/access_tokens 201 jwt"
  expect_in "$dir/requests" "POST /api/v3/repos/octo-org/octo-repo/actions/runners/registration-token 201 installation"
  expect_eq "runners named rig-ci-$host" "$(runners_named "rig-ci-$host")" 1
  job="$(spy_job app "$key")"
  await_job "$job" completed || return
  expect_eq "spy job result" "$(job_field "$job" result)" Succeeded
  await_exit
  expect_code 0 1
  expect_no_runner "rig-ci-$host"
  check_loot app

  # The installation given: no look-up.
  case_name="App flow, installation id given, stopped idle"
  new_runner app2
  key="$(secret_file github_app_private_key "$(cat "$work/root/app.pem")")"
  seq="$(last_seq)"
  start_entry 1 GITHUB_APP_ID="$app_id" GITHUB_APP_PRIVATE_KEY_FILE="$key" GITHUB_APP_INSTALLATION_ID=100 \
    RUNNER_NAME=app-two
  await "Listening for Jobs" "$dir/1.out" || return
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  requests_since "$seq" >"$dir/requests"
  expect_not_in "$dir/requests" "/installation "
  expect_in "$dir/requests" "DELETE /api/v3/orgs/octo-org/actions/runners/"
  expect_no_runner app-two
}

# A registration token given (one-off), ephemeral: one job, gone.
test_token() {
  case_name="registration token flow"
  new_runner token
  local token token_file job
  token="$(fake_with_pat POST /orgs/octo-org/actions/runners/registration-token | jq -r .token)"
  secret "the given registration token" "$token"
  token_file="$(secret_file runner_token "$token")"
  start_entry 1 RUNNER_TOKEN_FILE="$token_file"
  await "Listening for Jobs" "$dir/1.out" || return
  expect_eq "runners named rig-ci-$host" "$(runners_named "rig-ci-$host")" 1
  job="$(spy_job token "$token_file")"
  await_job "$job" completed || return
  expect_eq "spy job result" "$(job_field "$job" result)" Succeeded
  await_exit
  expect_code 0 1
  expect_no_runner "rig-ci-$host"
  check_loot token
}

# A registration token, stopped idle: config.sh remove with the registration
# token (which GitHub does not take for removal), then the local files only.
test_token_remove() {
  local token token_file
  case_name="registration token flow, stopped idle"
  new_runner token2
  token="$(fake_with_pat POST /orgs/octo-org/actions/runners/registration-token | jq -r .token)"
  secret "the given registration token" "$token"
  token_file="$(secret_file runner_token "$token")"
  start_entry 1 RUNNER_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  # As the runner user: config.sh is the runner user's file, root never runs it.
  expect_in "$dir/runner/config-calls.log" "uid=$runner_uid token-in-env=yes args: remove"
  expect_not_in "$dir/runner/config-calls.log" "uid=0 "
  expect_in "$dir/runner/config-calls.log" "args: remove --local"
  expect_in "$dir/1.err" "may still be registered on GitHub"
  if [ ! -e "$dir/runner/.runner" ]; then ok; else fail ".runner left after removal"; fi
}

# A JIT configuration from ACTIONS_RUNNER_INPUT_JITCONFIG (as ARC gives it): the
# script writes the runner's files itself; run.sh without --jitconfig.
jit_config() { # NAME: prints a fresh JIT configuration for the runner NAME
  fake_with_pat POST /orgs/octo-org/actions/runners/generate-jitconfig \
    "$(jq -n --arg n "$1" --arg l "$arch_label" '{name: $n, runner_group_id: 1,
      labels: ["self-hosted", "linux", $l, "rig-ci"], work_folder: "_work"}')" | jq -r .encoded_jit_config
}
test_jit() {
  case_name="JIT flow"
  new_runner jit
  local jit job mode
  jit="$(jit_config jit-one)"
  secret "the JIT configuration" "$jit"
  start_entry 1 ACTIONS_RUNNER_INPUT_JITCONFIG="$jit"
  await "Listening for Jobs" "$dir/1.out" || return
  for file in .runner .credentials .credentials_rsaparams; do
    mode="$(stat -c '%u %a' "$dir/runner/$file")"
    expect_eq "owner and mode of $file" "$mode" "$runner_uid 600"
  done
  expect_eq "work folder in .runner" "$(jq -r .workFolder "$dir/runner/.runner")" "$dir/work"
  if [ ! -e "$dir/runner/config-calls.log" ]; then ok; else fail "config.sh ran for a JIT configuration"; fi
  job="$(spy_job jit)"
  await_job "$job" completed || return
  expect_eq "spy job result" "$(job_field "$job" result)" Succeeded
  await_exit
  expect_code 0 1
  expect_no_runner jit-one
  check_loot jit
}

# Started as the runner user itself (Kubernetes runAsUser): JIT only, one notice.
# As ARC starts it: ACTIONS_RUNNER_INPUT_JITCONFIG and no RUNNER_URL (the JIT
# configuration holds it).
test_nonroot() {
  case_name="started as the runner user"
  new_runner nonroot
  chown "$runner_uid:$runner_gid" "$dir/tmp"
  local jit job
  jit="$(jit_config nonroot-one)"
  secret "the JIT configuration" "$jit"
  as=(setpriv "--reuid=$runner_uid" "--regid=$runner_gid" --clear-groups)
  url_setting=RIGC_NO_RUNNER_URL=1 # RUNNER_URL not set at all
  start_entry 1 ACTIONS_RUNNER_INPUT_JITCONFIG="$jit"
  url_setting=""
  as=()
  await "Listening for Jobs" "$dir/1.out" || return
  expect_count "$dir/1.err" "not root" 1
  job="$(spy_job nonroot)"
  await_job "$job" completed || return
  await_exit
  expect_code 0 1
  expect_no_runner nonroot-one
  check_loot nonroot

  case_name="started as the runner user, with a PAT"
  new_runner nonroot2
  chown "$runner_uid:$runner_gid" "$dir/tmp" "$dir/secrets"
  as=(setpriv "--reuid=$runner_uid" "--regid=$runner_gid" --clear-groups)
  run_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")"
  as=()
  expect_code 1 1
  expect_in "$dir/1.err" "start the container as root (the image's default) or give a JIT configuration"
}

# A registration token that expired between two starts: the second start mints
# a new one. A given one-off token that expired: a clear error.
test_expired() {
  case_name="expired between two starts"
  new_runner expired
  local token_file job seq token
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file"
  await "Listening for Jobs" "$dir/1.out" || return
  job="$(add_job 'echo first')"
  await_job "$job" completed || return
  await_exit
  expect_code 0 1
  expect_eq "expired tokens" "$(fake POST /_fake/expire '{"kind": "all"}' | jq -r '.expired > 0')" true
  seq="$(last_seq)"
  start_entry 2 GITHUB_TOKEN_FILE="$token_file"
  await "Listening for Jobs" "$dir/2.out" || return
  expect_in <(requests_since "$seq") "POST /api/v3/orgs/octo-org/actions/runners/registration-token 201 pat"
  job="$(add_job 'echo second')"
  await_job "$job" completed || return
  expect_eq "second job result" "$(job_field "$job" result)" Succeeded
  await_exit
  expect_code 0 2
  expect_no_runner "rig-ci-$host"

  case_name="an expired one-off registration token"
  new_runner expired2
  token="$(fake_with_pat POST /orgs/octo-org/actions/runners/registration-token | jq -r .token)"
  secret "the given registration token" "$token"
  fake POST /_fake/expire '{"kind": "registration"}' >/dev/null
  run_entry 1 RUNNER_TOKEN_FILE="$(secret_file runner_token "$token")"
  expect_code 1 1
  expect_in "$dir/1.err" "A registration token lasts an hour and is for one URL"
  expect_in "$dir/1.err" "RUNNER_TOKEN_FILE ($dir/secrets/runner_token)"
  expect_no_runner "rig-ci-$host"
}

# SIGKILL of the whole container (here: the session) in the middle of a job;
# the next start finds .runner and the job's files and still registers cleanly.
test_sigkill() {
  case_name="restart after SIGKILL"
  new_runner sigkill
  local token_file job
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  local id1
  id1="$(runner_field "rig-ci-$host" id)"
  # shellcheck disable=SC2016 # expanded by the job
  job="$(add_job 'echo killed >"$HOME/killed-job"; sleep 300')"
  await_job "$job" running || return
  await_fn "the job's file" test -e "$dir/home/killed-job" || return
  kill_session "$entry_pid"
  wait "$entry_pid" 2>/dev/null || true
  if [ -e "$dir/runner/.runner" ]; then ok; else fail "the killed runner left no .runner to test with"; fi
  start_entry 2 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/2.out" || return
  expect_not_in "$dir/2.out" "already configured"
  expect_not_in "$dir/2.err" "already configured"
  expect_eq "runner id after --replace" "$(runner_field "rig-ci-$host" id)" "$id1"
  expect_eq "the killed job" "$(job_field "$job" status)/$(job_field "$job" result)" completed/Failed
  if [ ! -e "$dir/home/killed-job" ]; then ok; else fail "the killed job's file is still in the home"; fi
  job="$(add_job 'echo again')"
  await_job "$job" completed || return
  expect_eq "a job after the restart" "$(job_field "$job" result)" Succeeded
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 2
  expect_no_runner "rig-ci-$host"
}

# Clean state: what a job leaves in the work folder, the home, TMPDIR and the
# tool cache is gone at the next start; the home is the image's again (owners
# kept); a tool cache that is a mount point is kept.
test_reset() {
  case_name="state reset"
  new_runner reset
  local token_file job
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file"
  await "Listening for Jobs" "$dir/1.out" || return
  # shellcheck disable=SC2016 # expanded by the job
  job="$(add_job 'echo left >"$GITHUB_WORKSPACE/left-in-work"; echo left >"$HOME/.left-in-home"
    echo left >"$TMPDIR/left-in-tmp"; echo left >"$RUNNER_TOOL_CACHE/left-in-tool"; rm "$HOME/.profile"
    echo left >"$VAR_TMP/left-in-var-tmp"' "$(jq -n --arg d "$dir/var-tmp" '{VAR_TMP: $d}')")"
  await_job "$job" completed || return
  expect_eq "first job" "$(job_field "$job" result)" Succeeded
  await_exit
  expect_code 0 1
  if [ -e "$dir/home/.left-in-home" ] && [ -e "$dir/tmp/left-in-tmp" ] && [ -e "$dir/var-tmp/left-in-var-tmp" ]; then ok; else
    fail "the first job's files are not there to test with"
  fi
  start_entry 2 GITHUB_TOKEN_FILE="$token_file"
  await "Listening for Jobs" "$dir/2.out" || return
  # shellcheck disable=SC2016
  job="$(add_job 'find "$GITHUB_WORKSPACE/.." "$HOME" "$TMPDIR" "$VAR_TMP" "$RUNNER_TOOL_CACHE" -name "*left-in*"; cat "$HOME/.profile"' "$(jq -n --arg d "$dir/var-tmp" '{VAR_TMP: $d}')")"
  await_job "$job" completed || return
  expect_eq "second job" "$(job_field "$job" result)" Succeeded
  job_field "$job" output >"$dir/job2.out"
  expect_not_in "$dir/job2.out" "left-in"
  expect_in "$dir/job2.out" "from the image"
  expect_eq "owner of the restored .profile" "$(stat -c %u "$dir/home/.profile")" "$runner_uid"
  expect_eq "owner of the restored .config/root-owned" "$(stat -c %u "$dir/home/.config/root-owned")" 0
  expect_eq "owner of the home" "$(stat -c %u "$dir/home")" "$runner_uid"
  await_exit
  expect_code 0 2
}

test_reset_volume() {
  local token_file
  case_name="state reset, tool cache on a mount point"
  new_runner reset2
  mkdir "$dir/tool-volume"
  echo kept >"$dir/tool-volume/kept-tool"
  echo old >"$dir/work/old-work"
  token_file="$(secret_file github_token "$pat")"
  # shellcheck disable=SC2016 # expanded by sh
  wrap=(unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" "$1" && shift && exec "$@"' "$dir/tool-volume" "$dir/tool")
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_NAME=reset-two
  wrap=()
  await "Listening for Jobs" "$dir/1.out" || return
  expect_in "$dir/1.err" "is a mount point (a volume kept on purpose)"
  if [ -e "$dir/tool-volume/kept-tool" ]; then ok; else fail "the tool cache volume was emptied"; fi
  if [ ! -e "$dir/work/old-work" ]; then ok; else fail "the work folder was not emptied"; fi
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
}

# Two replicas from one env file: one RUNNER_NAME_PREFIX, two hostnames, two
# names (one name would make the second replace the first).
# wrap_hostname FILE: the next start_entry runs in a mount namespace of its own
# where FILE is mounted on /etc/hostname, as Docker mounts a container's.
wrap_hostname() {
  # shellcheck disable=SC2016 # expanded by sh
  wrap=(unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/hostname && exec "$@"' "$1")
}

test_names() {
  case_name="replica names"
  local pid_a pid_b dir_a dir_b
  new_runner name-a
  dir_a="$dir"
  start_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" RUNNER_NAME_PREFIX=pool \
    FAKE_HOSTNAME=alpha RUNNER_EPHEMERAL=false
  pid_a="$entry_pid"
  await "Listening for Jobs" "$dir_a/1.out" || return
  new_runner name-b keep
  dir_b="$dir"
  start_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" RUNNER_NAME_PREFIX=pool \
    FAKE_HOSTNAME=beta RUNNER_EPHEMERAL=false
  pid_b="$entry_pid"
  await "Listening for Jobs" "$dir_b/1.out" || return
  expect_eq "runners named pool-alpha" "$(runners_named pool-alpha)" 1
  expect_eq "runners named pool-beta" "$(runners_named pool-beta)" 1
  kill -TERM "$pid_a" "$pid_b"
  entry_pid="$pid_a" dir="$dir_a"
  await_exit
  expect_code 143 1
  entry_pid="$pid_b" dir="$dir_b"
  await_exit
  expect_code 143 1
  expect_no_runner pool-alpha
  expect_no_runner pool-beta

  # Host networking gives every container the host's hostname: the container id
  # (from the source of the /etc/hostname mount, as Docker makes it) is appended.
  case_name="a hostname that is not the container's own"
  local id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  new_runner name-host
  mkdir -p "$dir/containers/$id"
  echo host-name >"$dir/containers/$id/hostname"
  wrap_hostname "$dir/containers/$id/hostname"
  start_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" RUNNER_NAME_PREFIX=pool FAKE_HOSTNAME=host-name
  wrap=()
  await "Listening for Jobs" "$dir/1.out" || return
  expect_eq "runners named pool-host-name-${id:0:12}" "$(runners_named "pool-host-name-${id:0:12}")" 1
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1

  case_name="a container's own hostname"
  new_runner name-own
  mkdir -p "$dir/containers/$id"
  echo "${id:0:12}" >"$dir/containers/$id/hostname"
  wrap_hostname "$dir/containers/$id/hostname"
  start_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" RUNNER_NAME_PREFIX=pool FAKE_HOSTNAME="${id:0:12}"
  wrap=()
  await "Listening for Jobs" "$dir/1.out" || return
  expect_eq "runners named pool-${id:0:12}" "$(runners_named "pool-${id:0:12}")" 1
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
}

# Two replicas with one RUNNER_WORK_ROOT (socket mode's shared work path): each
# works in ROOT/NAME, the second's start empties nothing of the first's, and a
# runner's folder goes with it.
test_work_root() {
  case_name="replicas sharing RUNNER_WORK_ROOT"
  local root pid_a pid_b dir_a dir_b job
  new_runner root-a
  dir_a="$dir"
  root="$work/r/work-root"
  mkdir -p "$root"
  start_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" RUNNER_WORKDIR= \
    RUNNER_WORK_ROOT="$root" FAKE_HOSTNAME=alpha RUNNER_EPHEMERAL=false
  pid_a="$entry_pid"
  await "Listening for Jobs" "$dir_a/1.out" || return
  # shellcheck disable=SC2016 # expanded by the job
  job="$(add_job 'echo mine >"$GITHUB_WORKSPACE/alpha-file"; echo "workspace $GITHUB_WORKSPACE"')"
  await_job "$job" completed || return
  job_field "$job" output >"$dir_a/job.out"
  expect_in "$dir_a/job.out" "workspace $root/rig-ci-alpha/"
  new_runner root-b keep
  dir_b="$dir"
  start_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" RUNNER_WORKDIR= \
    RUNNER_WORK_ROOT="$root" FAKE_HOSTNAME=beta RUNNER_EPHEMERAL=false
  pid_b="$entry_pid"
  await "Listening for Jobs" "$dir_b/1.out" || return
  expect_in "$dir_b/1.err" "the work folder $root/rig-ci-beta"
  expect_eq "the first runner's files after the second started" \
    "$(find "$root/rig-ci-alpha" -name alpha-file | wc -l)" 1
  expect_eq "owner of the second's work folder" "$(stat -c %u "$root/rig-ci-beta")" "$runner_uid"
  kill -TERM "$pid_a"
  entry_pid="$pid_a" dir="$dir_a"
  await_exit
  expect_code 143 1
  if [ ! -e "$root/rig-ci-alpha" ]; then ok; else fail "the stopped runner's work folder is still there"; fi
  if [ -d "$root/rig-ci-beta" ]; then ok; else fail "the running runner's work folder went with the other"; fi
  kill -TERM "$pid_b"
  entry_pid="$pid_b" dir="$dir_b"
  await_exit
  expect_code 143 1
  if [ -d "$root" ] && [ ! -e "$root/rig-ci-beta" ]; then ok; else
    fail "after both stopped: the root should be there, empty"
  fi
}

# Stopping: idle (SIGTERM, SIGINT), during a job (drained), past the drain
# timeout (cancelled), during registration, and as PID 1.
test_stop_idle() {
  local token_file
  case_name="stop while idle"
  new_runner stop-idle
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  expect_in "$dir/1.err" "the runner is idle: stopping it"
  expect_in "$dir/1.err" "deregistered rig-ci-$host"
  expect_no_runner "rig-ci-$host"

  case_name="SIGINT while idle"
  new_runner stop-int
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file"
  await "Listening for Jobs" "$dir/1.out" || return
  kill -INT "$entry_pid"
  await_exit
  expect_code 130 1
  expect_no_runner "rig-ci-$host"
}

test_stop_job() {
  local token_file job start elapsed seq
  case_name="stop during a job"
  new_runner stop-job
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false RUNNER_DRAIN_TIMEOUT=120
  await "Listening for Jobs" "$dir/1.out" || return
  # The job ends only once the test releases it, after the drain has begun.
  # shellcheck disable=SC2016 # expanded by the job
  job="$(add_job 'while [ ! -e "$RELEASE" ]; do sleep 0.1; done; echo finished' \
    "$(jq -n --arg r "$dir/release" '{RELEASE: $r}')")"
  await_job "$job" running || return
  await_fn "the job's Runner.Worker" worker_in_session "$entry_pid" || return
  seq="$(last_seq)"
  start="$SECONDS"
  kill -TERM "$entry_pid"
  await "draining: a job is running; waiting up to 120 s" "$dir/1.err" || true
  touch "$dir/release"
  await_exit
  elapsed=$((SECONDS - start))
  expect_code 143 1
  expect_in "$dir/1.err" "the job finished: stopping the runner"
  expect_eq "the drained job" "$(job_field "$job" result)" Succeeded
  expect_in <(job_field "$job" output) finished
  # The job ended before the registration was deleted.
  local deleted completed
  deleted="$(fake GET "/_fake/requests?since=$seq" | jq -r '[.requests[] | select(.method == "DELETE" and (.path | test("/actions/runners/")))][0].time')"
  completed="$(job_field "$job" completed_at)"
  if [ "$deleted" != null ] && jq -en --argjson d "$deleted" --argjson c "$completed" '$c <= $d' >/dev/null; then ok; else
    fail "deregistered (at $deleted) before the job completed (at $completed)"
  fi
  if [ "$elapsed" -lt 120 ]; then ok; else fail "the stop took $elapsed s, longer than the drain timeout"; fi
  expect_no_runner "rig-ci-$host"

  case_name="drain timeout"
  new_runner stop-timeout
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false RUNNER_DRAIN_TIMEOUT=2
  await "Listening for Jobs" "$dir/1.out" || return
  job="$(add_job 'sleep 300')"
  await_job "$job" running || return
  await_fn "the job's Runner.Worker" worker_in_session "$entry_pid" || return
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  expect_in "$dir/1.err" "drain timeout: the job did not finish within 2 s"
  expect_eq "the job past the drain timeout" "$(job_field "$job" result)" Canceled
  expect_no_runner "rig-ci-$host"
}

test_stop_register() {
  local token_file
  case_name="stop during registration"
  new_runner stop-register
  token_file="$(secret_file github_token "$pat")"
  touch "$dir/runner/hold" # config.sh waits for "release"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "args: --unattended" "$dir/runner/config-calls.log" || return
  # The signal is pending once kill returns; the script acts on it when
  # config.sh ends.
  kill -TERM "$entry_pid"
  touch "$dir/runner/release"
  await_exit
  expect_code 143 1
  expect_in "$dir/1.err" "registered rig-ci-$host"
  expect_in "$dir/1.err" "while registering: the runner is not started"
  expect_not_in "$dir/1.out" "Listening for Jobs"
  expect_no_runner "rig-ci-$host"
}

# As PID 1 of a PID namespace (a container): SIGTERM reaches the script only
# through its trap. A job leaves a process behind (setsid: out of the job's
# process group, which the runner ends); the stop ends it before deregistering.
test_stop_pid1() {
  local token_file init_pid job
  case_name="SIGTERM to PID 1"
  new_runner stop-pid1
  token_file="$(secret_file github_token "$pat")"
  wrap=(unshare --pid --fork --mount --mount-proc --kill-child)
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  wrap=()
  await "Listening for Jobs" "$dir/1.out" || return
  read -r init_pid _ <"/proc/$entry_pid/task/$entry_pid/children" || true
  expect_eq "the script is PID 1 of its namespace" "$(awk '/^NSpid/ {print $NF}' "/proc/$init_pid/status")" 1
  # The job ends once its leftover runs in a session of its own: before that, the
  # end of the job (the worker kills the step's process group) would take it too.
  # shellcheck disable=SC2016 # expanded by the job
  job="$(add_job 'setsid sh -c '\''echo "$$" >"$HOME/leftover.pid"; exec sleep 600'\'' </dev/null >/dev/null 2>&1 &
    while [ ! -s "$HOME/leftover.pid" ]; do sleep 0.1; done; echo left')"
  await_job "$job" completed || return
  kill -TERM "$init_pid"
  await_exit
  expect_code 143 1
  expect_in "$dir/1.err" "ended 1 process(es) that jobs left running as nobody"
  expect_no_runner "rig-ci-$host"
}

# The GitHub API failing: retried (503, 429 with Retry-After, no answer), logged.
test_retry() {
  local token_file seq start
  case_name="503 retried"
  new_runner retry-503
  token_file="$(secret_file github_token "$pat")"
  fake POST /_fake/faults '{"method": "POST", "path": "/registration-token$", "status": 503, "count": 2}' >/dev/null
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  expect_count "$dir/1.err" "POST /orgs/octo-org/actions/runners/registration-token: 503 Service Unavailable; retrying in" 2
  expect_in "$dir/1.err" "(attempt 3 of 8)"
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1

  case_name="429 with Retry-After"
  new_runner retry-429
  token_file="$(secret_file github_token "$pat")"
  fake POST /_fake/faults '{"method": "POST", "path": "/registration-token$", "status": 429, "count": 1, "retry_after": 2}' >/dev/null
  seq="$(last_seq)"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  expect_in "$dir/1.err" "429 rate limited; GitHub asks to wait 2 s (Retry-After); retrying in 2."
  # The retry came at least 2 s after the 429.
  fake GET "/_fake/requests?since=$seq" | jq '[.requests[] | select(.path | test("/registration-token$"))] |
    if length == 2 then (.[1].time - .[0].time) else -1 end' >"$dir/gap"
  if jq -e '. >= 2' "$dir/gap" >/dev/null; then ok; else fail "the retry came $(cat "$dir/gap") s after the 429"; fi
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
}

test_retry_none() {
  local token_file start
  case_name="no answer, then a stop during the backoff"
  new_runner retry-none
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" GITHUB_API_URL=http://127.0.0.1:9
  await "no answer (curl exit status 7); retrying in" "$dir/1.err" || return
  start="$SECONDS"
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  expect_in "$dir/1.err" "before the runner registered: nothing to undo"
  if [ $((SECONDS - start)) -lt 10 ]; then ok; else fail "the stop took $((SECONDS - start)) s"; fi
}

# 401, 403, 404 and refusals: a message naming what to fix; the fatal delay, cut
# short by a stop.
test_errors() {
  local key start
  case_name="401: the wrong App key, fatal delay cut short"
  new_runner err-401
  key="$(secret_file github_app_private_key "$(cat "$work/root/other.pem")")"
  start_entry 1 GITHUB_APP_ID="$app_id" GITHUB_APP_PRIVATE_KEY_FILE="$key" RUNNER_FATAL_DELAY=600
  await "waiting 600 s (RUNNER_FATAL_DELAY)" "$dir/1.err" || return
  start="$SECONDS"
  kill -TERM "$entry_pid"
  await_exit
  expect_code 1 1
  if [ $((SECONDS - start)) -lt 10 ]; then ok; else fail "the fatal delay went on $((SECONDS - start)) s after SIGTERM"; fi
  expect_in "$dir/1.err" "GitHub answered 401 A JSON web token could not be decoded: GitHub refused the App's JWT: check that GITHUB_APP_ID ($app_id) is this App's id and GITHUB_APP_PRIVATE_KEY_FILE ($key)"

  case_name="401: a wrong PAT"
  new_runner err-pat
  run_entry 1 GITHUB_TOKEN_FILE="$(secret_file github_token ghp_wrongwrongwrong)"
  expect_code 1 1
  expect_in "$dir/1.err" "GitHub refused the token in GITHUB_TOKEN_FILE ($dir/secrets/github_token): it is wrong, expired or revoked"

  case_name="403: App permissions"
  new_runner err-403
  key="$(secret_file github_app_private_key "$(cat "$work/root/app.pem")")"
  fake POST /_fake/faults '{"method": "POST", "path": "/registration-token$", "status": 403, "count": 1, "message": "Resource not accessible by integration"}' >/dev/null
  run_entry 1 GITHUB_APP_ID="$app_id" GITHUB_APP_PRIVATE_KEY_FILE="$key"
  expect_code 1 1
  expect_in "$dir/1.err" "GitHub answered 403 Resource not accessible by integration: App $app_id may not manage the runners of RUNNER_URL"
  expect_in "$dir/1.err" "\"Self-hosted runners\" (read and write)"
  expect_count "$dir/1.err" "retrying" 0

  case_name="404: a RUNNER_URL GitHub does not know"
  new_runner err-404
  run_entry 1 RUNNER_URL="$base/no-such-org" GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")"
  expect_code 1 1
  expect_in "$dir/1.err" "GitHub answered 404 Not Found: RUNNER_URL ($base/no-such-org): GitHub knows no such organisation"

  case_name="404: the App not installed"
  new_runner err-app-404
  key="$(secret_file github_app_private_key "$(cat "$work/root/app.pem")")"
  run_entry 1 RUNNER_URL="$base/octo-ent-less" GITHUB_APP_ID="$app_id" GITHUB_APP_PRIVATE_KEY_FILE="$key"
  expect_code 1 1
  expect_in "$dir/1.err" "the App $app_id is not installed on octo-ent-less"

}

# Enterprise scope: refused for an App, a PAT registers.
test_enterprise() {
  local key
  case_name="an enterprise with an App"
  new_runner err-ent
  key="$(secret_file github_app_private_key "$(cat "$work/root/app.pem")")"
  run_entry 1 RUNNER_URL="$base/enterprises/octo-ent" GITHUB_APP_ID="$app_id" GITHUB_APP_PRIVATE_KEY_FILE="$key"
  expect_code 1 1
  expect_in "$dir/1.err" "GitHub Apps cannot manage enterprise runners: use a classic personal access token with the manage_runners:enterprise scope"

  case_name="an enterprise with a PAT"
  new_runner ent
  start_entry 1 RUNNER_URL="$base/enterprises/octo-ent" GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")" \
    RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  expect_no_runner "rig-ci-$host"
}

# Credentials only from root-only files; settings checked; nothing reset that is
# not the runner's.
# (Each case fails fast even with a script that lacks the check: the
# credential in the environment is the only one given, and the readable file
# is for an organisation GitHub does not know.)
test_refusals() {
  local name file
  for name in RUNNER_TOKEN GITHUB_TOKEN GITHUB_APP_PRIVATE_KEY; do
    case_name="$name in the environment"
    new_runner "env-$name"
    run_entry 1 "$name=some-credential"
    expect_code 1 1
    expect_in "$dir/1.err" "$name is set in the environment"
    expect_in "$dir/1.err" "and set ${name}_FILE to its path"
  done

  case_name="a secret file the runner user can read"
  new_runner readable
  chmod 755 "$dir/secrets"
  file="$(secret_file github_token "$pat")"
  chmod 644 "$file"
  run_entry 1 GITHUB_TOKEN_FILE="$file" RUNNER_URL="$base/no-such-org"
  expect_code 1 1
  expect_in "$dir/1.err" "$file (GITHUB_TOKEN_FILE) can be read by the runner user nobody (uid $runner_uid), and so by every job: make it readable by root only (chmod 600 $file"
  expect_not_in "$dir/1.err" "registering"

  case_name="missing settings"
  new_runner missing
  run_entry 1 RUNNER_URL= GITHUB_TOKEN_FILE="$(secret_file github_token "$pat")"
  expect_code 1 1
  expect_in "$dir/1.err" "RUNNER_URL is not set"
  run_entry 2 RUNNER_URL="$base/a/b/c" GITHUB_TOKEN_FILE="$dir/secrets/github_token"
  expect_code 1 2
  expect_in "$dir/2.err" "RUNNER_URL ($base/a/b/c) is not https://HOST/ORG"
  run_entry 3 RUNNER_EPHEMERAL=yes GITHUB_TOKEN_FILE="$dir/secrets/github_token"
  expect_code 1 3
  expect_in "$dir/3.err" "RUNNER_EPHEMERAL must be true or false, not 'yes'"
  run_entry 4
  expect_code 1 4
  expect_in "$dir/4.err" "no credential: give a GitHub App"
  run_entry 5 GITHUB_TOKEN_FILE="$dir/secrets/nothing-here"
  expect_code 1 5
  expect_in "$dir/5.err" "GITHUB_TOKEN_FILE is $dir/secrets/nothing-here, but there is no such file"

  # Reset paths that must never be emptied. No credential is given, so a script
  # whose guard is broken stops at "no credential" before it resets anything.
  local pair n=10
  for pair in "RUNNER_WORKDIR=/:RUNNER_WORKDIR (the work folder) is /: refusing" \
    "TMPDIR=/:TMPDIR is /: refusing" "TMPDIR=//.:TMPDIR is //.: refusing" \
    "RUNNER_USER_HOME=/usr/local:the runner user's home (RUNNER_USER_HOME or /etc/passwd) is /usr/local: refusing" \
    "RUNNER_TOOL_CACHE=/etc/:RUNNER_TOOL_CACHE is /etc/: refusing" \
    "RUNNER_WORKDIR=$dir:RUNNER_WORKDIR (the work folder) ($dir) holds the runner ($dir/runner): refusing" \
    "RUNNER_WORKDIR=tmp/../..:RUNNER_WORKDIR (the work folder) ($dir/runner/tmp/../..) holds the runner"; do
    case_name="refusing to reset ${pair%%:*}"
    n=$((n + 1))
    run_entry "$n" "${pair%%:*}"
    expect_code 1 "$n"
    expect_in "$dir/$n.err" "${pair#*:}"
  done
}

# Docker socket mode: the runner user joins a group with the socket's gid. In a
# mount namespace of its own, with a private copy of /etc, so that the host's
# groups stay as they are.
test_docker() {
  case_name="Docker socket group"
  if ! unshare -m true 2>/dev/null; then
    echo "SKIP: ${case_name}: unshare cannot create a mount namespace here"
    return
  fi
  new_runner docker
  local token_file job sum
  sum="$(cat /etc/group /etc/passwd | sha256sum)"
  cp -a /etc "$dir/etc"
  # A stand-in for the daemon: answers any HTTP request on a unix socket.
  /usr/bin/python3 - "$dir/docker.sock" <<'EOF' &
import http.server, socketserver, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b"OK\n")
    def log_message(self, *args): pass
class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    def get_request(self):
        request, _ = super().get_request(); return request, ("local", 0)
Server(sys.argv[1], Handler).serve_forever()
EOF
  helpers+=($!)
  await_fn "the fake Docker socket" test -S "$dir/docker.sock" || return
  chgrp 4242 "$dir/docker.sock"
  chmod 660 "$dir/docker.sock"
  token_file="$(secret_file github_token "$pat")"
  # shellcheck disable=SC2016 # expanded by sh
  wrap=(unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc && exec "$@"' "$dir/etc")
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" DOCKER_HOST="unix://$dir/docker.sock" RUNNER_JOB_ENV="DOCKER_HOST"
  wrap=()
  await "Listening for Jobs" "$dir/1.out" || return
  expect_in "$dir/1.err" "Docker socket mode: $dir/docker.sock; nobody joined group docker-host (gid 4242)"
  # shellcheck disable=SC2016
  job="$(add_job 'id -G; curl -sS --unix-socket "${DOCKER_HOST#unix://}" http://docker/_ping')"
  await_job "$job" completed || return
  job_field "$job" output >"$dir/job.out"
  expect_eq "the Docker job" "$(job_field "$job" result)" Succeeded
  expect_in "$dir/job.out" "4242"
  expect_in "$dir/job.out" "OK"
  await_exit
  expect_code 0 1
  expect_eq "the host's /etc/group and /etc/passwd" "$(cat /etc/group /etc/passwd | sha256sum)" "$sum"
  expect_in "$dir/etc/group" "docker-host:x:4242:nobody"

  case_name="Docker socket group, DOCKER_GID"
  new_runner docker2
  cp -a /etc "$dir/etc"
  token_file="$(secret_file github_token "$pat")"
  # shellcheck disable=SC2016 # expanded by sh
  wrap=(unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc && exec "$@"' "$dir/etc")
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" DOCKER_HOST="unix://$work/r/docker/docker.sock" DOCKER_GID=4343 \
    RUNNER_EPHEMERAL=false
  wrap=()
  await "Listening for Jobs" "$dir/1.out" || return
  expect_in "$dir/1.err" "nobody joined group docker-host (gid 4343)"
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
}

# `runner-entrypoint.sh health`: 0 while a Runner.Listener runs, 1 otherwise.
test_health() {
  case_name="health"
  new_runner health
  local token_file status
  token_file="$(secret_file github_token "$pat")"
  start_entry 1 GITHUB_TOKEN_FILE="$token_file" RUNNER_EPHEMERAL=false
  await "Listening for Jobs" "$dir/1.out" || return
  status=0
  "$entry" health >"$dir/health.out" 2>&1 || status=$?
  expect_eq "health while listening" "$status" 0
  kill -TERM "$entry_pid"
  await_exit
  expect_code 143 1
  # No listener in a PID namespace of its own.
  status=0
  unshare --pid --fork --mount --mount-proc "$entry" health >"$dir/health.out" 2>&1 || status=$?
  expect_eq "health without a listener" "$status" 1
  status=0
  "$entry" healthy >"$dir/health.out" 2>&1 || status=$?
  expect_eq "an unknown argument" "$status" 2
  expect_in "$dir/health.out" "usage: runner-entrypoint.sh [health]"
}

groups=(shellcheck pat app_id_shared app token token_remove jit nonroot expired sigkill reset reset_volume names work_root stop_idle stop_job
  stop_register stop_pid1 retry retry_none errors enterprise refusals docker health)
read -r -a only <<<"${ENTRYPOINT_TEST_ONLY:-${groups[*]}}"
for group in "${only[@]}"; do
  start="$SECONDS"
  "test_$group"
  # Whatever a failed case left running ends with its group.
  for sid in "${sessions[@]}"; do kill_session "$sid"; done
  echo "ok: group $group ($((SECONDS - start)) s)"
done

case_name="test guard"
if [ ! -s "$work/violations" ]; then ok; else
  fail "rm was asked to delete outside the test directory:"
  show "$work/violations"
fi
echo "entrypoint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
