#!/usr/bin/env bash
# Test stand-in for the Actions runner's run.sh: shows the registration and exits.
set -euo pipefail
cd "$(dirname "$0")"
[ -f .runner ] || { echo "run.sh (test stub): not configured" >&2; exit 1; }
echo "run.sh (test stub): Listening for Jobs with: $(paste -sd ' ' .runner)"
