#!/bin/bash
# Test stand-in for the Actions runner's config.sh (see tests/github/README.md):
# refuses root unless RUNNER_ALLOW_RUNASROOT is set, records the configuring
# user's environment (env.sh), then hands the command line to Runner.Listener:
# `config.sh remove ...` as it is, anything else as `configure ...`.
if [ "$(id -u)" -eq 0 ] && [ -z "${RUNNER_ALLOW_RUNASROOT:-}" ]; then
  echo "Must not run with sudo"
  exit 1
fi
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" || exit 1
# shellcheck source=env.sh
source ./env.sh
shopt -s nocasematch
if [[ "${1:-}" == remove ]]; then
  ./bin/Runner.Listener "$@"
else
  ./bin/Runner.Listener configure "$@"
fi
