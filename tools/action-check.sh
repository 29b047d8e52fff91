#!/usr/bin/env bash
# The step of action.yml: downloads rigc RIGC_VERSION from the action's releases,
# verifies it against RIGC_SHA256, and runs `rigc check --error-format github
# RIGC_SPEC RIGC_ARGS`; its exit code is the step's (1: the files differ, 2: an
# invalid spec). Inputs arrive in the environment (never in the script's text):
#   RIGC_VERSION, RIGC_SHA256, RIGC_SPEC, RIGC_ARGS, RIGC_DOWNLOAD_URL (optional)
# and the runner's GITHUB_SERVER_URL, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_PATH.
set -euo pipefail

fail() {
  echo "::error title=rigc check::$*"
  exit 2
}

version="${RIGC_VERSION:-}"
sha256="${RIGC_SHA256:-}"
[[ "$version" =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]] || fail "input 'version' must be a release like 0.1.0, not '$version'"
[[ "$sha256" =~ ^[0-9a-f]{64}$ ]] || fail "input 'checksum' must be the 64 hex digits of a SHA-256"
case "$(uname -m)" in
  x86_64) arch=x86_64 ;;
  *) fail "no rigc release binary for $(uname -m); build rigc from source (README: Install)" ;;
esac

# The releases of the repository this action comes from: GITHUB_ACTION_PATH is
# .../_actions/OWNER/REPO/REF (github.action_repository is not set for the steps
# of composite actions).
base="${RIGC_DOWNLOAD_URL:-}"
if [ -z "$base" ]; then
  ref_dir="$(dirname "${GITHUB_ACTION_PATH:?}")"
  repo="$(basename "$ref_dir")"
  owner="$(basename "$(dirname "$ref_dir")")"
  [ "$(basename "$(dirname "$(dirname "$ref_dir")")")" = _actions ] ||
    fail "cannot tell this action's repository from '$GITHUB_ACTION_PATH'; set input 'download-url'"
  base="${GITHUB_SERVER_URL:-https://github.com}/$owner/$repo/releases/download"
fi
name="rigc-$version-linux-$arch"
url="${base%/}/v$version/$name"

dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/rigc-$version"
mkdir -p "$dir"
echo "Downloading $url"
curl --fail --silent --show-error --location --retry 3 --output "$dir/$name.part" "$url" ||
  fail "cannot download $url"
if ! echo "$sha256  $dir/$name.part" | sha256sum --check --status; then
  rm -f "$dir/$name.part"
  fail "$name does not have the SHA-256 given in input 'checksum' ($sha256); nothing was run"
fi
mv "$dir/$name.part" "$dir/rigc"
chmod 755 "$dir/rigc"
if [ -n "${GITHUB_PATH:-}" ]; then echo "$dir" >>"$GITHUB_PATH"; fi
"$dir/rigc" --version

read -r -a args <<<"${RIGC_ARGS:-}"
exec "$dir/rigc" check --error-format github "${RIGC_SPEC:-Rigfile}" "${args[@]}"
