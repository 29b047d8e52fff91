#!/bin/bash
# Test stand-in for the Actions runner's run.sh (see tests/github/README.md): runs
# run-helper.sh (a fresh copy of its template each time) until it asks for no
# restart (exit 2 is a restart). Then it prints "Exiting runner..." and exits 0;
# with RUNNER_MANUALLY_TRAP_SIG set it instead passes SIGINT and SIGTERM on to
# the helper's process group as SIGINT (the listener among them), waits for it,
# and exits with the wait's status: 130 or 143 after such a signal.
dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"

run_plain() {
  local status
  while :; do
    cp -f "$dir/run-helper.sh.template" "$dir/run-helper.sh"
    "$dir/run-helper.sh" "$@"
    status=$?
    if [ "$status" -eq 2 ]; then
      echo "Restarting runner..."
    elif [ "${ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE:-}" = 1 ] && [ "$status" -eq 7 ]; then
      echo "Exiting runner..."
      exit 7
    else
      echo "Exiting runner..."
      exit 0
    fi
  done
}

run_trapped() {
  local status
  set -m
  trap 'kill -INT -- "-$helper"' INT TERM
  while :; do
    cp -f "$dir/run-helper.sh.template" "$dir/run-helper.sh"
    "$dir/run-helper.sh" "$@" &
    helper=$!
    wait "$helper"
    status=$?
    if [ "$status" -eq 2 ]; then
      echo "Restarting runner..."
    elif [ "${ACTIONS_RUNNER_RETURN_VERSION_DEPRECATED_EXIT_CODE:-}" = 1 ] && [ "$status" -eq 7 ]; then
      echo "Exiting runner..."
      exit 7
    else
      echo "Exiting runner..."
      trap - INT TERM
      wait "$helper"
      exit "$status"
    fi
  done
}

if [ -z "${RUNNER_MANUALLY_TRAP_SIG:-}" ]; then
  run_plain "$@"
else
  run_trapped "$@"
fi
