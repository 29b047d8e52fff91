#!/usr/bin/env bash
# Stands in for the Actions runner's config.sh. Each call writes its arguments to
# $FAKE_LOG/config.N (N = 1, 2, ...), each one followed by a NUL byte, and a line
# to $FAKE_LOG/events. A registration exits with FAKE_CONFIG_STATUS (default 0);
# with FAKE_CONFIG_HOLD set it first writes config.started and waits for the
# test to create config.release (FAKE_PATIENCE seconds at most).
set -euo pipefail
log="${FAKE_LOG:?}"
n=1
while [ -e "$log/config.$n" ]; do n=$((n + 1)); done
: >"$log/config.$n"
if [ "$#" -gt 0 ]; then printf '%s\0' "$@" >"$log/config.$n"; fi

if [ "${1:-}" = remove ]; then
  echo "config:remove" >>"$log/events"
  exit "${FAKE_REMOVE_STATUS:-0}"
fi
echo "config:register" >>"$log/events"
if [ -n "${FAKE_CONFIG_HOLD:-}" ]; then
  : >"$log/config.started"
  # A safety net only: the test creates config.release long before this ends.
  for _ in $(seq $((${FAKE_PATIENCE:-30} * 20))); do
    [ ! -e "$log/config.release" ] || break
    sleep 0.05
  done
fi
echo "config:registered" >>"$log/events"
exit "${FAKE_CONFIG_STATUS:-0}"
