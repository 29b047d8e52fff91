#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (the build's packages,
# ShellCheck, curl, jq, openssl and pgrep for the fake GitHub's suite, zsh, fish,
# groff and man for the completions and the manual page, pre-commit for its hooks,
# Node.js with the pinned npm validators, Docker's engine for the parse-only
# checks, docker-compose, yamllint and Debian's python3-yaml and
# python3-jsonschema for the Compose checks, GNU time and Valgrind for the
# benchmark's smoke run, Buildah and debootstrap for the end-to-end builds and
# the package's clean root, podman, catatonit and runc for the runner scale set's
# Pod), builds, and runs every CTest suite — fast and slow.
# Set RIGC_TEST_LABELS=fast to run only the quick suites while iterating.
set -euo pipefail
cd "$(dirname "$0")"

./build.sh >/dev/null

packages=(shellcheck docker.io zsh fish groff-base man-db pre-commit pcre2-utils docker-compose yamllint
  python3-jsonschema python3-yaml time valgrind buildah debootstrap curl jq openssl procps podman
  catatonit runc)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir="${RIGC_BUILD_DIR:-build}"
labels=()
if [ -n "${RIGC_TEST_LABELS:-}" ]; then labels=(-L "$RIGC_TEST_LABELS"); fi
# Two suites at a time; the end-to-end suites, which start engines, run alone (RUN_SERIAL).
ctest --test-dir "$build_dir" --output-on-failure -j2 "${labels[@]}"

# The fast suites again under AddressSanitizer and UndefinedBehaviorSanitizer.
if [ "${RIGC_SANITIZE:-1}" = "1" ]; then
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DRIGC_SANITIZE=ON >/dev/null
  cmake --build build-sanitize >/dev/null
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j2 -L fast
fi
