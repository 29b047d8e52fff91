#!/usr/bin/env bash
# Test stand-in for the Actions runner's config.sh: records the registration in
# the runner directory (as the real one does, so the directory must be writable
# by the image user) instead of calling GitHub.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "remove" ]; then
  rm -f .runner
  echo "config.sh (test stub): removed"
  exit 0
fi
printf '%s\n' "$@" > .runner
echo "config.sh (test stub): registered as $(id -u):$(id -g)"
