#!/usr/bin/env bash
# shellcheck disable=SC2016 # the sed scripts and expected lines are meant literally
# Proves that entrypoint_test.sh can fail: it passes on the generated
# runner-entrypoint.sh, then each mutant below (the generated script with one
# deliberate defect) must make the test group that guards against that defect
# fail, with the named check.
#
#   entrypoint_selftest.sh RIGC
#
# A mutant that breaks a stop or a wait makes its group run into the test's
# patience (here 20 s): that is the safety net reporting the failure. Mutants
# replace lines rather than delete them, so that each stays valid bash.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir "$work/spec"
printf 'runner ci {\n  packs git\n}\n' >"$work/spec/Rigfile"
(cd "$work/spec" && "$rigc" build >/dev/null)
original="$work/spec/docker/runner-entrypoint.sh"

# mutant NAME GROUP EXPECTED SED: the generated script edited by SED must make
# the test group GROUP fail and print a line starting with EXPECTED.
names=()
groups=()
expectations=()
mutant() {
  names+=("$1")
  groups+=("$2")
  expectations+=("$3")
  sed -e "$4" "$original" >"$work/$1.sh"
  chmod +x "$work/$1.sh"
}

mutant shellcheck-finding shellcheck 'FAIL: shellcheck: shellcheck reports problems' \
  's/^set -euo pipefail$/&\necho $RUNNER_URL >\/dev\/null/'
# Credentials and the job's environment.
mutant token-on-command-line pat 'FAIL: PAT flow: a job can read a token the script minted' \
  's/^    --replace --disableupdate)$/    --replace --disableupdate --token "$token")/'
mutant job-env-not-cleaned pat "FAIL: PAT flow: 'BUILD_ONLY_VAR=' in pat.env" \
  '0,/^    export -n "${name?}" 2>\/dev\/null || true$/s//    :/'
mutant labels-not-deduplicated pat "FAIL: PAT flow: 'uid=65534 token-in-env=yes args:" \
  's/\*",${label,,},"\*) continue ;;/*",${label,,},"*) ;;/'
mutant jwt-expiry-too-late app 'FAIL: App flow: the script ended before' \
  's/\$((now + 540))/$((now + 900))/'
mutant jit-on-command-line jit 'FAIL: JIT flow: a job can read the JIT configuration' \
  's/^    exec env --default-signal=INT,QUIT "${as_runner\[@\]}" \.\/run\.sh$/& ${jit_config:+--jitconfig "$jit_config"}/'
mutant jit-files-readable jit "FAIL: JIT flow: owner and mode of .runner: got '65534 644'" \
  's/^    chmod 600 "\$runner_home\/\$file"$/    chmod 644 "$runner_home\/$file"/'
mutant non-root-keeps-jit-env nonroot 'FAIL: started as the runner user: a job can read the JIT configuration' \
  's/^  exec env -u ACTIONS_RUNNER_INPUT_JITCONFIG /  : exec env -u ACTIONS_RUNNER_INPUT_JITCONFIG /'
mutant expired-token-no-hint expired "FAIL: an expired one-off registration token: 'A registration token lasts an hour" \
  's/A registration token lasts an hour and is for one URL/A token/'
# Clean state.
mutant runner-files-kept sigkill "FAIL: restart after SIGKILL: the script ended before 'Listening for Jobs'" \
  's/^  rm -f -- "\$runner_home\/\.runner" /  : rm -f -- "$runner_home\/.runner" /'
mutant home-kept reset "FAIL: state reset: 'left-in' in job2.out" \
  's/^  wipe_contents "\$user_home" "the runner user.s home"$/  :/'
mutant tmp-kept reset "FAIL: state reset: 'left-in' in job2.out" \
  's/^  wipe_contents "\$tmp_dir" "TMPDIR"$/  :/'
mutant snapshot-owners-lost reset 'FAIL: state reset: owner of the restored .profile' \
  's/--same-owner --same-permissions/--no-same-owner --same-permissions/'
mutant tool-volume-wiped reset_volume 'FAIL: state reset, tool cache on a mount point: the tool cache volume was emptied' \
  's/^  real="\$(readlink -f -- "\$1")"$/  return 1/'
mutant hostname-ignored names 'FAIL: replica names: runners named pool-alpha' \
  's/^  runner_name="\${prefix:+\${prefix}-}\${host}"$/  runner_name="${prefix}"/'
# Stopping.
# (The cancelled job's result, Canceled or Failed, depends on how fast the stand-in
# reports it; the missing drain shows in the log either way.)
mutant no-drain stop_job "FAIL: stop during a job: 'the job finished: stopping the runner' not in 1.err" \
  's/^worker_running() {.*$/worker_running() { false; }/'
mutant drain-timeout-ignored stop_job 'FAIL: drain timeout: the script did not end within' \
  's/\[ "\$SECONDS" -lt "\$deadline" \]/true/'
mutant leftovers-kept stop_pid1 "FAIL: SIGTERM to PID 1: 'ended 1 process(es) that jobs left running as nobody' not in 1.err" \
  's/^  end_leftovers$/  :/'
mutant remove-as-root token_remove "FAIL: registration token flow, stopped idle: 'uid=0 ' in config-calls.log" \
  's/^      exec "\${as_runner\[@\]}" \.\/config\.sh remove$/      RUNNER_ALLOW_RUNASROOT=1 exec .\/config.sh remove/'
mutant never-deregister stop_idle "FAIL: stop while idle: runners named rig-ci-stop-idle on GitHub: got '1'" \
  's/^deregister$/: deregister/'
mutant sigint-as-term stop_idle 'FAIL: SIGINT while idle: exit status 143, expected 130' \
  "s/^trap 'on_signal INT' INT$/trap 'on_signal TERM' INT/"
mutant run-after-stop stop_register "FAIL: stop during registration: 'while registering: the runner is not started' not in 1.err" \
  '/^status=0$/{n;s/^if \[ -z "\$signal" \]; then$/if true; then/}'
mutant no-term-trap stop_pid1 "FAIL: SIGTERM to PID 1: runners named rig-ci-stop-pid1 on GitHub: got '1'" \
  "/^trap 'on_signal TERM' TERM$/d"
# The GitHub API failing.
mutant no-5xx-retry retry "FAIL: 503 retried: the script ended before 'Listening for Jobs'" \
  's/^      5??) reason="\$api_status \$(api_message)" ;;$/      5??) return 1 ;;/'
mutant retry-after-ignored retry "FAIL: 429 with Retry-After: '429 rate limited; GitHub asks to wait 2 s (Retry-After); retrying in 2.' not in 1.err" \
  's/^          delay="\$retry_after"$/          delay=0/'
mutant fatal-delay-uninterruptible errors 'FAIL: 401: the wrong App key, fatal delay cut short: the script did not end within' \
  's/^    pause "\$fatal_delay"$/    sleep "$fatal_delay"/'
mutant no-permission-hint errors "FAIL: 403: App permissions: 'GitHub answered 403 Resource not accessible by integration: App 4242 may not manage" \
  '/^        app) fix="App \$app_id may not manage/d'
# Refusals.
mutant env-credential-accepted refusals "FAIL: RUNNER_TOKEN in the environment: 'RUNNER_TOKEN is set in the environment' not in 1.err" \
  's/^    fatal "\$name is set in the environment/    : "$name is set in the environment/'
mutant readable-secret-accepted refusals "FAIL: a secret file the runner user can read: '" \
  's/^  \[ "\$as_root" = true \] || return 0$/  return 0/'
mutant reset-guard-removed refusals "FAIL: refusing to reset RUNNER_WORKDIR=/: 'RUNNER_WORKDIR (the work folder) is /: refusing' not in" \
  's/^  local path="\$1" what="\$2" real home_real$/  return 0/'
mutant health-wrong-name health "FAIL: health: health while listening: got '1', expected '0'" \
  's/find_process Runner.Listener >\/dev\/null/find_process Runner.Listenerx >\/dev\/null/'
if unshare -m true 2>/dev/null; then
  mutant docker-group-not-joined docker "FAIL: Docker socket group: the Docker job: got 'Failed', expected 'Succeeded'" \
    's/^  usermod -a -G "\$group" "\$runner_user"$/  : usermod/'
fi

passed=0
failed=0

# The original first, all groups, beside three mutants at a time (most of their
# time is spent waiting for the fake GitHub and the runner stand-in).
run_test() { # NAME SCRIPT [GROUP]
  local code=0 start="$SECONDS"
  ENTRYPOINT_TEST_PATIENCE=20 ENTRYPOINT_TEST_ONLY="${3:-}" \
    bash "$here/entrypoint_test.sh" --script "$2" >"$work/$1.out" 2>&1 || code=$?
  echo "$code" >"$work/$1.code"
  echo "$((SECONDS - start))" >"$work/$1.seconds"
}
run_test original "$original" &
for i in "${!names[@]}"; do
  while [ "$(jobs -pr | wc -l)" -ge 4 ]; do wait -n || true; done
  run_test "${names[$i]}" "$work/${names[$i]}.sh" "${groups[$i]}" &
done
wait

if [ "$(cat "$work/original.code")" -eq 0 ]; then
  passed=$((passed + 1))
  echo "ok: the generated script passes entrypoint_test.sh ($(cat "$work/original.seconds") s)"
else
  failed=$((failed + 1))
  echo "FAIL: the generated script does not pass entrypoint_test.sh"
  sed 's/^/  /' "$work/original.out"
fi
for i in "${!names[@]}"; do
  name="${names[$i]}"
  expected="${expectations[$i]}"
  code="$(cat "$work/$name.code")"
  if cmp -s "$original" "$work/$name.sh"; then
    failed=$((failed + 1))
    echo "FAIL: mutant $name: the edit did not change the script"
  elif [ "$code" -eq 1 ] && grep -q -F -- "$expected" "$work/$name.out"; then
    passed=$((passed + 1))
    echo "ok: mutant $name (${groups[$i]}, $(cat "$work/$name.seconds") s): $(grep -F -- "$expected" "$work/$name.out" | head -n 1 | cut -c 1-160)"
  else
    failed=$((failed + 1))
    echo "FAIL: mutant $name (${groups[$i]}): exit status $code, expected 1 with a line starting: $expected"
    sed 's/^/  /' "$work/$name.out"
  fi
done

echo "entrypoint self-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
