#!/usr/bin/env bash
# Installs Debian 13's docker-buildx into DIR (buildx.sh) and runs the bake-print
# validator with it: bake_print.sh DIR ROOT...  or  bake_print.sh DIR --selftest
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
buildx="$("$here/buildx.sh" "$1")"
exec "$here/run.sh" check_bake_print.py "$buildx" "${@:2}"
