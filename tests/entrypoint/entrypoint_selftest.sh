#!/usr/bin/env bash
# shellcheck disable=SC2016 # the sed scripts and expected lines are meant literally
# Proves that entrypoint_test.sh can fail: it passes on the generated
# runner-entrypoint.sh, then each mutant below (the generated script with one
# deliberate defect) must make it fail with the named check.
#
#   entrypoint_selftest.sh RIGC
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir "$work/spec"
printf 'runner ci {\n  packs git\n}\n' >"$work/spec/Rigfile"
(cd "$work/spec" && "$rigc" build >/dev/null)
original="$work/spec/docker/runner-entrypoint.sh"

passed=0
failed=0

if bash "$here/entrypoint_test.sh" --script "$original" >"$work/original.out" 2>&1; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: the generated script does not pass entrypoint_test.sh"
  sed 's/^/  /' "$work/original.out"
fi
pid1=true
if grep -q '^SKIP: SIGTERM to PID 1' "$work/original.out"; then pid1=false; fi

# mutant NAME GROUP EXPECTED SED: the generated script edited by SED must make
# the test group GROUP fail and print the line EXPECTED.
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
mutant ephemeral-inverted arguments 'FAIL: defaults: config.1 arguments differ' \
  's/^if \[ "$ephemeral" = true \]; then$/if [ "$ephemeral" = false ]; then/'
mutant no-group arguments 'FAIL: overrides: config.1 arguments differ' \
  's/^  args+=(--runnergroup "$RUNNER_GROUP")$/  :/'
mutant never-deregister arguments 'FAIL: overrides: config.sh called 1 times, expected 2' \
  's/^  \.\/config\.sh remove/  : .\/config.sh remove/'
mutant no-trap-sig arguments "FAIL: defaults: run.trap-sig holds 'unset', expected '1'" \
  '/^export RUNNER_MANUALLY_TRAP_SIG=/d'
mutant sigint-ignored arguments "FAIL: defaults: run.sigint holds 'ignored', expected 'default'" \
  '/^    ($/d;/^      trap - INT$/d;s/^      exec \.\/run\.sh$/    .\/run.sh \&/;/^    ) &$/d'
mutant arch-amd64 labels 'FAIL: architecture x86_64: config.1 arguments differ' \
  's/x86_64) arch_label=x64/x86_64) arch_label=amd64/'
mutant no-dedup labels 'FAIL: labels de-duplicated: config.1 arguments differ' \
  's/\*",${label,,},"\*) continue ;;/*",${label,,},"*) ;;/'
mutant no-url-check missing 'FAIL: missing RUNNER_URL: exit status 0 without RUNNER_URL' \
  '/^\[ -n "${RUNNER_URL:-}" \]/d'
mutant token-unquoted quoting 'FAIL: hostile token: config.1 arguments differ' \
  's/^  --token "$RUNNER_TOKEN"$/  --token $RUNNER_TOKEN/'
mutant token-evaluated quoting 'FAIL: hostile token: a command in the token ran' \
  's/^  --token "$RUNNER_TOKEN"$/  --token "$(eval "echo $RUNNER_TOKEN")"/'
mutant status-dropped exit_status 'FAIL: run.sh status, ephemeral: exit status 0, expected 7' \
  's/^exit "$status"$/exit 0/'
mutant no-forward stop_running 'FAIL: SIGTERM while run.sh runs, ephemeral true: events differ' \
  's/^    kill -TERM "$child" 2>\/dev\/null || true$/    : "$child"/'
mutant no-wait stop_running 'FAIL: SIGTERM while run.sh runs, ephemeral true: events differ' \
  's/^    while \[ -n "$signal" \] && kill -0 "$child" 2>\/dev\/null; do$/    while false; do/'
mutant int-as-term stop_running 'FAIL: SIGINT while run.sh runs, ephemeral true: exit status 143, expected 130' \
  "s/^trap 'on_signal INT' INT$/trap 'on_signal TERM' INT/"
mutant no-term-trap stop_running 'FAIL: SIGTERM while run.sh runs, ephemeral true: events differ' \
  "/^trap 'on_signal TERM' TERM$/d"
mutant run-after-stop stop_registering 'FAIL: SIGTERM while config.sh registers: events differ' \
  's/^  if \[ -z "$signal" \]; then$/  if true; then/;/^    # A signal that came before child/,/^    fi$/d'
if [ "$pid1" = true ]; then
  # Without a TERM trap, PID 1 does not even die: run.sh gives up after the
  # patience, and the script exits with the fake's 97.
  mutant no-term-trap-pid1 stop_pid1 'FAIL: SIGTERM to PID 1: exit status 97, expected 143' \
    "/^trap 'on_signal TERM' TERM$/d"
fi

# Three mutants at a time (most of their time is spent waiting on the fakes). A
# broken stop path makes the fakes give up after a short patience.
run_mutant() {
  local code=0
  ENTRYPOINT_TEST_PATIENCE=3 ENTRYPOINT_TEST_ONLY="$2" \
    bash "$here/entrypoint_test.sh" --script "$work/$1.sh" >"$work/$1.out" 2>&1 || code=$?
  echo "$code" >"$work/$1.code"
}
for i in "${!names[@]}"; do
  while [ "$(jobs -pr | wc -l)" -ge 3 ]; do wait -n || true; done
  run_mutant "${names[$i]}" "${groups[$i]}" &
done
wait

for i in "${!names[@]}"; do
  name="${names[$i]}"
  expected="${expectations[$i]}"
  code="$(cat "$work/$name.code")"
  if cmp -s "$original" "$work/$name.sh"; then
    failed=$((failed + 1))
    echo "FAIL: mutant $name: the edit did not change the script"
  elif [ "$code" -eq 1 ] && grep -qxF -- "$expected" "$work/$name.out"; then
    passed=$((passed + 1))
    echo "ok: mutant $name: $expected"
  else
    failed=$((failed + 1))
    echo "FAIL: mutant $name: exit status $code, expected 1 with the line: $expected"
    sed 's/^/  /' "$work/$name.out"
  fi
done

echo "entrypoint self-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
