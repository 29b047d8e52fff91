#!/usr/bin/env bash
# The generated runner-entrypoint.sh, run for real against fake config.sh and
# run.sh (tests/entrypoint/fake) that record their arguments: registration
# arguments, missing variables, quoting, exit codes, and the stop path (SIGTERM
# and SIGINT while run.sh runs and while config.sh registers), plus ShellCheck.
#
#   entrypoint_test.sh RIGC              renders the script with `RIGC build`
#   entrypoint_test.sh --script FILE     tests FILE instead (the self-test's mutants)
#
# Signals are sent only after the fake has written its "started" marker. The
# time-outs are a safety net against a hanging script, never the assertion:
# the fakes give up after ENTRYPOINT_TEST_PATIENCE seconds (default 30), the
# test waits for a marker or an exit twice as long.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
patience="${ENTRYPOINT_TEST_PATIENCE:-30}"
polls=$((patience * 40)) # 0.05 s each: twice the patience
work="$(mktemp -d)"
entry_pid="" # the script started by start_entry, until await_exit has reaped it
# kill_tree PID: ends PID and its descendants.
kill_tree() {
  local child children=()
  if [ -r "/proc/$1/task/$1/children" ]; then
    read -r -a children <"/proc/$1/task/$1/children" || true
  fi
  kill -KILL "$1" 2>/dev/null || true
  for child in "${children[@]}"; do kill_tree "$child"; done
}
# stop_entry: after a failure, ends the background script and what it started.
stop_entry() {
  if [ -n "$entry_pid" ]; then
    kill_tree "$entry_pid"
    wait "$entry_pid" 2>/dev/null || true
    entry_pid=""
  fi
}
trap 'stop_entry; rm -rf "$work"' EXIT

if [ "${1:-}" = --script ]; then
  script="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
else
  rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  mkdir "$work/spec"
  printf 'runner ci {\n  packs git\n}\n' >"$work/spec/Rigfile"
  (cd "$work/spec" && "$rigc" build >/dev/null)
  script="$work/spec/docker/runner-entrypoint.sh"
fi

passed=0
failed=0
case_name=""
ok() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: ${case_name}: $*"
}

log="$work/log"
home="$work/home"
mkdir "$work/bin"
cp "$here/fake/uname" "$work/bin/uname"
chmod +x "$work/bin/uname"
real_path="$PATH"

# fresh NAME: a new case with an empty log and a new runner directory.
fresh() {
  case_name="$1"
  rm -rf "$log" "$home"
  mkdir "$log" "$home"
  cp "$here/fake/config.sh" "$here/fake/run.sh" "$home/"
  chmod +x "$home/config.sh" "$home/run.sh"
  : >"$log/events"
}

# The script's environment: nothing inherited but PATH and HOME (a CI runner has
# RUNNER_* variables of its own), SIGINT at its default like in a container's
# PID 1 (a background job of a script would start with SIGINT ignored).
entry_env=(env -i --default-signal=INT PATH="$work/bin:$real_path" HOME="$work" FAKE_LOG="$log"
  FAKE_REAL_PATH="$real_path" FAKE_PATIENCE="$patience" RUNNER_HOME="$home")
# run_entry VAR=VALUE...: runs the script to the end; sets code, out and err.
run_entry() {
  code=0
  "${entry_env[@]}" "$@" "$script" >"$work/out" 2>"$work/err" || code=$?
}
# start_entry VAR=VALUE... [COMMAND...]: starts the script in the background (a
# simple command, so that env and then the script replace the forked shell and
# entry_pid is the script's own PID); sets entry_pid.
start_entry() {
  "${entry_env[@]}" "$@" "$script" >"$work/out" 2>"$work/err" &
  entry_pid=$!
}
# await_file FILE: waits until FILE exists; a failure if the script ends first.
await_file() {
  for _ in $(seq "$polls"); do
    [ ! -e "$1" ] || return 0
    if ! kill -0 "$entry_pid" 2>/dev/null; then
      [ ! -e "$1" ] || return 0
      fail "the script ended before $(basename "$1") appeared"
      stop_entry
      return 1
    fi
    sleep 0.05
  done
  fail "$(basename "$1") did not appear within $((2 * patience)) s"
  stop_entry
  return 1
}
# await_exit: waits for the background script to end; sets code.
await_exit() {
  for _ in $(seq "$polls"); do
    if ! kill -0 "$entry_pid" 2>/dev/null; then
      code=0
      wait "$entry_pid" || code=$?
      entry_pid=""
      return 0
    fi
    sleep 0.05
  done
  fail "the script did not exit within $((2 * patience)) s of the signal"
  code=0
  kill_tree "$entry_pid"
  wait "$entry_pid" || code=$?
  entry_pid=""
  return 1
}

expect_code() {
  if [ "$code" -eq "$1" ]; then ok; else
    fail "exit status $code, expected $1"
    sed 's/^/  stderr: /' "$work/err"
  fi
}
# calls PROGRAM: the number of calls recorded for config or run.
calls() {
  local files=("$log/$1".[0-9]*)
  [ -e "${files[0]}" ] || {
    echo 0
    return
  }
  echo "${#files[@]}"
}
expect_calls() {
  local got
  got="$(calls "$1")"
  if [ "$got" -eq "$2" ]; then ok; else fail "$1.sh called $got times, expected $2"; fi
}
# expect_args FILE ARG...: the recorded call has exactly these arguments.
expect_args() {
  local file="$1" got=()
  shift
  if [ ! -e "$log/$file" ]; then
    fail "no call recorded in $file"
    return
  fi
  mapfile -d '' -t got <"$log/$file"
  if [ "${#got[@]}" -eq "$#" ] && { [ "$#" -eq 0 ] || [ "${got[*]@Q}" = "${*@Q}" ]; }; then ok; else
    fail "$file arguments differ"
    echo "  got:      ${got[*]@Q}"
    echo "  expected: ${*@Q}"
  fi
}
# expect_remove_call N TOKEN: call N of config.sh is `remove --token TOKEN`.
expect_remove_call() {
  expect_args "config.$1" remove --token "$2"
}
expect_text() {  # expect_text FILE TEXT
  if grep -qF -- "$2" "$1"; then ok; else
    fail "'$2' not in $(basename "$1")"
    sed 's/^/  /' "$1"
  fi
}
expect_content() {  # expect_content FILE TEXT: FILE holds exactly TEXT
  if [ "$(cat "$1")" = "$2" ]; then ok; else
    fail "$(basename "$1") holds '$(cat "$1")', expected '$2'"
  fi
}
expect_events() {  # expect_events LINE...: the events log, line by line
  local want
  want="$(printf '%s\n' "$@")"
  if [ "$(cat "$log/events")" = "$want" ]; then ok; else
    fail "events differ"
    echo "  got:      $(paste -sd' ' "$log/events")"
    echo "  expected: $*"
  fi
}

url="https://github.com/acme"
token="AABBCCDD11"
name="$(hostname)"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  armv7l) arch=arm ;;
  *) arch="$(uname -m)" ;;
esac

# ShellCheck on the generated script (bash, from its shebang), every default check.
test_shellcheck() {
  case_name="shellcheck"
  if shellcheck "$script" >"$work/out" 2>&1; then ok; else
    fail "shellcheck reports problems"
    sed 's/^/  /' "$work/out"
  fi
}

# The registration arguments, and whether run.sh's end removes the registration.
test_arguments() {
  fresh "defaults"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_LABELS=cpp,gpu
  expect_code 0
  expect_calls config 1
  expect_args config.1 --unattended --replace --url "$url" --token "$token" --name "$name" \
    --labels "self-hosted,linux,$arch,cpp,gpu" --work _work --ephemeral
  expect_calls run 1
  expect_args run.1
  # run.sh passes a stop on to the listener only with RUNNER_MANUALLY_TRAP_SIG set.
  expect_content "$log/run.trap-sig" 1
  # ... and stops the listener with SIGINT, so it must not start with it ignored.
  expect_content "$log/run.sigint" default
  # Ephemeral and run.sh ended with 0: GitHub removed the registration itself.
  expect_events config:register config:registered run:start run:exit

  fresh "overrides"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_LABELS=cpp RUNNER_NAME="builder 7" \
    RUNNER_EPHEMERAL=false RUNNER_GROUP="Build farm" RUNNER_WORKDIR=/tmp/work
  expect_code 0
  expect_args config.1 --unattended --replace --url "$url" --token "$token" --name "builder 7" \
    --labels "self-hosted,linux,$arch,cpp" --work /tmp/work --runnergroup "Build farm"
  # Not ephemeral: run.sh ending on its own still removes the registration.
  expect_calls config 2
  expect_remove_call 2 "$token"
  expect_events config:register config:registered run:start run:exit config:remove

  fresh "no labels, explicit ephemeral"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_LABELS= RUNNER_EPHEMERAL=true
  expect_code 0
  expect_args config.1 --unattended --replace --url "$url" --token "$token" --name "$name" \
    --labels "self-hosted,linux,$arch" --work _work --ephemeral
  expect_calls config 1
}

# Labels: the fixed ones first, each label once, the architecture as the runner names it.
test_labels() {
  fresh "labels de-duplicated"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" \
    RUNNER_LABELS=" cpp, Self-Hosted,,gpu,CPP,linux, gpu ,$arch,big disk,"
  expect_code 0
  expect_args config.1 --unattended --replace --url "$url" --token "$token" --name "$name" \
    --labels "self-hosted,linux,$arch,cpp,gpu,big disk" --work _work --ephemeral

  for mapping in x86_64=x64 aarch64=arm64 arm64=arm64 armv7l=arm riscv64=riscv64; do
    fresh "architecture ${mapping%%=*}"
    run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_UNAME_M="${mapping%%=*}"
    expect_code 0
    expect_args config.1 --unattended --replace --url "$url" --token "$token" --name "$name" \
      --labels "self-hosted,linux,${mapping#*=}" --work _work --ephemeral
  done
}

# Missing or wrong settings: a clear message, and config.sh is never called.
test_missing() {
  for missing in RUNNER_URL RUNNER_TOKEN; do
    fresh "missing $missing"
    vars=(RUNNER_URL="$url" RUNNER_TOKEN="$token")
    if [ "$missing" = RUNNER_URL ]; then vars[0]=RUNNER_URL=; else unset 'vars[1]'; fi
    run_entry "${vars[@]}"
    if [ "$code" -ne 0 ]; then ok; else fail "exit status 0 without $missing"; fi
    expect_text "$work/err" "$missing is not set"
    expect_calls config 0
    expect_calls run 0
  done

  fresh "bad RUNNER_EPHEMERAL"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_EPHEMERAL=yes
  if [ "$code" -ne 0 ]; then ok; else fail "exit status 0 with RUNNER_EPHEMERAL=yes"; fi
  expect_text "$work/err" "RUNNER_EPHEMERAL must be true or false"
  expect_calls config 0

  fresh "no runner in RUNNER_HOME"
  rm "$home/run.sh"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token"
  if [ "$code" -ne 0 ]; then ok; else fail "exit status 0 without run.sh"; fi
  expect_text "$work/err" "no executable config.sh and run.sh in $home"
  expect_calls config 0
}

# The token and the other values are data, never shell code: each reaches
# config.sh as one argument, byte for byte, registration and removal alike.
test_quoting() {
  fresh "hostile token"
  # shellcheck disable=SC2016 # meant literally
  hostile_name='$(id)'
  hostile="a b  \"c\" 'd' \$(id) \`id\` ; touch $work/pwned; * \\ \$HOME"
  run_entry RUNNER_URL="$url/x y" RUNNER_TOKEN="$hostile" RUNNER_NAME="$hostile_name" \
    RUNNER_LABELS='*' RUNNER_EPHEMERAL=false
  expect_code 0
  expect_args config.1 --unattended --replace --url "$url/x y" --token "$hostile" --name "$hostile_name" \
    --labels "self-hosted,linux,$arch,*" --work _work
  expect_remove_call 2 "$hostile"
  if [ ! -e "$work/pwned" ]; then ok; else fail "a command in the token ran"; fi
}

# Exit status: config.sh's when the registration fails, run.sh's otherwise.
test_exit_status() {
  fresh "registration fails"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_CONFIG_STATUS=3
  expect_code 3
  expect_text "$work/err" "registration failed (config.sh exited with 3)"
  expect_calls run 0
  expect_calls config 1

  fresh "run.sh status, ephemeral"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_RUN_STATUS=7
  expect_code 7
  # An ephemeral runner that did not end normally may still be registered.
  expect_calls config 2
  expect_remove_call 2 "$token"

  fresh "run.sh status, not ephemeral"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_EPHEMERAL=false FAKE_RUN_STATUS=5
  expect_code 5
  expect_calls config 2
  expect_remove_call 2 "$token"

  fresh "failed removal keeps the status"
  run_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_EPHEMERAL=false FAKE_REMOVE_STATUS=1
  expect_code 0
  expect_text "$work/err" "deregistration failed"
}

# A stop while run.sh runs: run.sh gets SIGTERM (for SIGINT too), the script
# waits for it to end, removes the registration once and exits 128 + signal.
test_stop_running() {
  for stop in TERM:143 INT:130; do
    for ephemeral in true false; do
      fresh "SIG${stop%%:*} while run.sh runs, ephemeral $ephemeral"
      start_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" RUNNER_EPHEMERAL="$ephemeral" FAKE_RUN_HOLD=1
      if await_file "$log/run.started"; then
        kill -s "${stop%%:*}" "$entry_pid"
        await_exit || true
        expect_code "${stop#*:}"
        expect_events config:register config:registered run:start run:TERM run:exit config:remove
        expect_calls config 2
        expect_remove_call 2 "$token"
        expect_calls run 1
      fi
    done
  done

  fresh "two SIGTERMs while run.sh runs"
  start_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_RUN_HOLD=1
  if await_file "$log/run.started"; then
    kill -s TERM "$entry_pid"
    kill -s TERM "$entry_pid"
    await_exit || true
    expect_code 143
    expect_calls config 2
    expect_remove_call 2 "$token"
  fi
}

# A stop while config.sh registers: config.sh finishes, run.sh never starts,
# and the registration it made is removed.
test_stop_registering() {
  fresh "SIGTERM while config.sh registers"
  start_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_CONFIG_HOLD=1
  if await_file "$log/config.started"; then
    kill -s TERM "$entry_pid"
    : >"$log/config.release"
    await_exit || true
    expect_code 143
    expect_events config:register config:registered config:remove
    expect_calls run 0
    expect_remove_call 2 "$token"
  fi

  fresh "SIGTERM while a failing config.sh registers"
  start_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_CONFIG_HOLD=1 FAKE_CONFIG_STATUS=2
  if await_file "$log/config.started"; then
    kill -s TERM "$entry_pid"
    : >"$log/config.release"
    await_exit || true
    expect_code 2
    expect_events config:register config:registered
    expect_calls run 0
  fi
}

# As PID 1 of its own PID namespace, the way `docker stop` finds it: the kernel
# drops signals that PID 1 has no handler for, so only the traps make it stop.
test_stop_pid1() {
  fresh "SIGTERM to PID 1"
  if "${entry_env[@]}" unshare --user --map-root-user --pid --fork true 2>/dev/null; then
    start_entry RUNNER_URL="$url" RUNNER_TOKEN="$token" FAKE_RUN_HOLD=1 \
      unshare --user --map-root-user --pid --fork --kill-child
    # start_entry appended the script: unshare runs it as PID 1.
    if await_file "$log/run.started"; then
      # The file has no final newline, so read reports end of file.
      read -r init_pid _ <"/proc/$entry_pid/task/$entry_pid/children" || true
      kill -s TERM "$init_pid"
      await_exit || true
      expect_code 143
      expect_events config:register config:registered run:start run:TERM run:exit config:remove
      expect_content "$log/run.sigint" default
    fi
  else
    echo "SKIP: ${case_name}: unshare cannot create a PID namespace here"
  fi
}

# ENTRYPOINT_TEST_ONLY="labels quoting" runs only those groups (the self-test
# runs each mutant against the group that must catch it).
groups=(shellcheck arguments labels missing quoting exit_status stop_running stop_registering stop_pid1)
read -r -a only <<<"${ENTRYPOINT_TEST_ONLY:-${groups[*]}}"
for group in "${only[@]}"; do
  "test_$group"
done

echo "entrypoint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
