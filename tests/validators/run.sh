#!/usr/bin/env bash
# Runs one validator after making sure the pinned npm packages are installed
# (from package-lock.json). Usage: run.sh SCRIPT.js|SCRIPT.py ARGS...
# Python scripts run on Debian's python3 (python3-yaml, python3-jsonschema).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -d "$here/node_modules" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$here/node_modules"
fi
command -v shellcheck >/dev/null 2>&1 || { echo "shellcheck is not installed (apt-get install shellcheck)" >&2; exit 1; }
# Compose v2 (the Compose users run; bookworm has only the retired 1.29): trixie's
# docker-compose package, unpacked here once, verified as apt verifies it.
compose_dir="$here/.tools/docker-compose"
"$here/../tools/debian_package.sh" trixie docker-compose "$compose_dir"
export RIGC_COMPOSE="$compose_dir/usr/libexec/docker/cli-plugins/docker-compose"
case "$1" in
  *.py) exec /usr/bin/python3 "$here/$1" "${@:2}" ;;
  *) exec node "$here/$1" "${@:2}" ;;
esac
