#!/usr/bin/env bash
# Docker's own reader of Bake files, for the bake-print validator: the docker-buildx
# package of Debian 13 (trixie), whose plugin binary runs on Debian 12 (it needs glibc
# 2.34) and reads Bake files without a Docker engine (`bake --print`). Debian 12 has
# no buildx package. The package comes from the Debian archive this machine's apt
# already uses (its URI read from /etc/apt/sources.list*), through a private apt
# configuration under DIR: the machine's own apt sources and lists are not touched.
#   buildx.sh DIR     installs DIR/docker-buildx (once) and prints its path
set -euo pipefail
version="0.13.1+ds1-3"
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
plugin="$dir/docker-buildx"
if [ -x "$plugin" ] && [ "$(cat "$dir/version" 2>/dev/null)" = "$version" ]; then
  echo "$plugin"
  exit 0
fi
uri="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)"
if [ -z "$uri" ]; then
  uri="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)"
fi
[ -n "$uri" ] || { echo "no Debian archive in /etc/apt/sources.list*" >&2; exit 1; }
apt="$dir/apt"
rm -rf "$apt"
mkdir -p "$apt/sources" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb"
printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
  "$uri" >"$apt/sources/trixie.sources"
opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources"
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::State::status=/dev/null"
  -o "APT::Sandbox::User=root")
apt-get "${opts[@]}" -qq update >"$apt/update.log" 2>&1 || { tail -5 "$apt/update.log" >&2; exit 1; }
(cd "$apt/deb" && apt-get "${opts[@]}" -qq download "docker-buildx=$version") >"$apt/download.log" 2>&1 ||
  { tail -5 "$apt/download.log" >&2; exit 1; }
dpkg-deb -x "$apt"/deb/docker-buildx_*.deb "$apt/x"
install -m 755 "$apt/x/usr/libexec/docker/cli-plugins/docker-buildx" "$plugin"
echo "$version" >"$dir/version"
rm -rf "$apt"
echo "$plugin"
