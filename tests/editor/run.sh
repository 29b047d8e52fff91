#!/usr/bin/env bash
# Runs one grammar test after making sure the pinned npm packages (vscode-textmate,
# vscode-oniguruma) are installed from package-lock.json. Usage: run.sh SCRIPT.js ARGS...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$here/node_modules"
fi
exec node "$here/$1" "${@:2}"
