#!/usr/bin/env bash
# Parses Dockerfiles with a real dockerd 20.10 (the built-in BuildKit frontend):
# `docker build --target __parse_only__` fails with "target stage __parse_only__
# could not be found" only after the whole file parsed. Starts its own daemon and
# stops it by its PID at the end, even on failure. With --selftest, first proves
# that broken files fail.  Usage: parse_only.sh [--selftest] FILE_OR_DIR...
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
cleanup() { "$here/dockerd.sh" stop "$work/engine"; rm -rf "$work"; }
trap cleanup EXIT
if ! command -v dockerd >/dev/null 2>&1; then
  echo "dockerd is not installed (apt-get install docker.io)" >&2
  exit 1
fi
"$here/dockerd.sh" start "$work/engine" || exit 1
export DOCKER_HOST="unix://$work/engine/docker.sock" DOCKER_BUILDKIT=1
mkdir -p "$work/context"

parses() {  # parses FILE: 0 when dockerd parsed the whole file
  local out
  out="$(/usr/bin/docker build --network=host --target __parse_only__ -f "$1" "$work/context" 2>&1)"
  if grep -q "target stage __parse_only__ could not be found" <<<"$out"; then return 0; fi
  printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
  return 1
}

passed=0
failed=0
if [ "${1:-}" = "--selftest" ]; then
  shift
  printf 'FROM debian:bookworm-slim AS base\nRUN --mount=type=cahce,target=/x true\n' > "$work/bad-mount.Dockerfile"
  printf 'FROM debian:bookworm-slim AS base\nRUN <<EOF\ntrue\nEOF\n' > "$work/bad-heredoc.Dockerfile"
  printf 'FROM debian:bookworm-slim AS base\nFROBNICATE x\n' > "$work/bad-instruction.Dockerfile"
  printf 'FROM debian:bookworm-slim AS base\nHEALTHCHECK --interval=often CMD true\n' > "$work/bad-duration.Dockerfile"
  for f in "$work"/bad-*.Dockerfile; do
    if parses "$f" >/dev/null; then echo "FAIL: $(basename "$f") parsed"; failed=$((failed + 1)); else passed=$((passed + 1)); fi
  done
  printf 'FROM debian:bookworm-slim AS base\nRUN --mount=type=cache,target=/x,id=x,sharing=locked true\nCOPY --chown=1:1 --chmod=755 a /a\nUSER 1001\n' > "$work/good.Dockerfile"
  if parses "$work/good.Dockerfile"; then passed=$((passed + 1)); else echo "FAIL: good.Dockerfile did not parse"; failed=$((failed + 1)); fi
fi

files=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$arg" -name '*.Dockerfile' | sort)
  else
    files+=("$arg")
  fi
done
for f in "${files[@]}"; do
  # A `# syntax=` file opted into a newer frontend, which the built-in one cannot
  # parse and which this machine cannot pull: not checkable here.
  if head -1 "$f" | grep -q '^# syntax='; then echo "skipped (# syntax= opt-in): $f"; continue; fi
  if parses "$f"; then passed=$((passed + 1)); else echo "FAIL: $f"; failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
