#!/usr/bin/env bash
# Installs what is missing (Debian 12 / Ubuntu 24.04, as root), builds rigc in
# Release mode, and compiles the bundled example into examples/runners/docker/.
set -euo pipefail
cd "$(dirname "$0")"

packages=(cmake ninja-build g++ pkg-config python3
  tao-pegtl-dev libyaml-cpp-dev libcli11-dev libfmt-dev doctest-dev
  libdtl-dev nlohmann-json3-dev libssl-dev libcurl4-openssl-dev libbenchmark-dev)
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
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${RIGC_BUILD_TYPE:-Release}" >/dev/null
cmake --build "$build_dir"
"$build_dir/rigc" build examples/runners/Rigfile
