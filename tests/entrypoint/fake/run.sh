#!/usr/bin/env bash
# Stands in for the Actions runner's run.sh. It writes its arguments to
# $FAKE_LOG/run.N like the fake config.sh, its RUNNER_MANUALLY_TRAP_SIG to
# run.trap-sig, whether it started with SIGINT ignored to run.sigint, and lines
# to $FAKE_LOG/events. Without FAKE_RUN_HOLD it exits at
# once with FAKE_RUN_STATUS (default 0). With it, it writes run.started and waits
# for a signal (FAKE_PATIENCE seconds at most); on SIGTERM or SIGINT it notes
# which, takes a moment to shut down (as the listener does while it ends its
# job), and exits with FAKE_RUN_STATUS like the real run.sh, which exits 0 after
# a stop.
set -euo pipefail
log="${FAKE_LOG:?}"
n=1
while [ -e "$log/run.$n" ]; do n=$((n + 1)); done
: >"$log/run.$n"
if [ "$#" -gt 0 ]; then printf '%s\0' "$@" >"$log/run.$n"; fi
printf '%s\n' "${RUNNER_MANUALLY_TRAP_SIG-unset}" >"$log/run.trap-sig"
# Bit 2 of SigIgn is SIGINT. The real run.sh stops the listener with SIGINT,
# which does nothing if the listener inherited it ignored. /proc/self, read by
# this shell itself (in a PID namespace $$ is not its PID in /proc).
mask=0
while read -r key value; do
  if [ "$key" = SigIgn: ]; then mask="$value"; fi
done </proc/self/status
if ((16#$mask & 2)); then echo ignored; else echo default; fi >"$log/run.sigint"
echo "run:start" >>"$log/events"

if [ -z "${FAKE_RUN_HOLD:-}" ]; then
  echo "run:exit" >>"$log/events"
  exit "${FAKE_RUN_STATUS:-0}"
fi

sleeper=0
# Called by the traps below; ShellCheck cannot see that (SC2317).
# shellcheck disable=SC2317
on_signal() {
  echo "run:$1" >>"$log/events"
  kill "$sleeper" 2>/dev/null || true
  sleep 0.3
  echo "run:exit" >>"$log/events"
  exit "${FAKE_RUN_STATUS:-0}"
}
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT
sleep "${FAKE_PATIENCE:-30}" &
sleeper=$!
: >"$log/run.started"
wait "$sleeper" || true
# A safety net only: the test signals long before the sleep ends.
echo "run:timeout" >>"$log/events"
exit 97
