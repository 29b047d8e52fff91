#!/usr/bin/env bash
# Fetches one package of another Debian release (a test-only tool that bookworm
# lacks, e.g. trixie's Compose v2 or buildx) and unpacks it, without installing it:
#
#   debian_package.sh SUITE PACKAGE DEST
#
# The archive is the one this machine's apt already uses (deb822 sources or one-line
# sources; never a host name written here). The chain of trust is apt's: the
# suite's InRelease is verified with gpgv against Debian's archive keyring, the
# Packages index against InRelease's SHA-256, the .deb against the index's. DEST
# receives the package's files (dpkg-deb -x) and a `.version` file; when DEST/.version
# already names the index's version, nothing is downloaded.
set -euo pipefail
suite="$1" package="$2" dest="$3"
arch="$(dpkg --print-architecture)"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "debian_package.sh: $keyring is missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

mirror="$(awk '
  /^$/ { if (deb && uri) { print uri; found = 1; exit } uri = ""; deb = 0; next }
  /^URIs:/ { uri = $2 }
  /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
  /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ /security/) deb = 0 }
  END { if (!found && deb && uri) print uri }' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)"
if [ -z "$mirror" ]; then
  mirror="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) [a-z]* .*/\2/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -1)"
fi
[ -n "$mirror" ] || { echo "debian_package.sh: no Debian archive in /etc/apt/sources.list*" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() { curl -fsS --retry 3 -o "$2" "$mirror/$1"; }

fetch "dists/$suite/InRelease" "$work/InRelease"
gpgv --keyring "$keyring" --output "$work/Release" "$work/InRelease" 2>"$work/gpgv.log" \
  || { cat "$work/gpgv.log" >&2; echo "debian_package.sh: $suite's InRelease does not verify" >&2; exit 1; }
index="main/binary-$arch/Packages.xz"
index_sha="$(awk -v f="$index" '/^SHA256:/ { s = 1; next } /^[^ ]/ { s = 0 } s && $3 == f { print $1 }' "$work/Release")"
[ -n "$index_sha" ] || { echo "debian_package.sh: $index is not in $suite's Release" >&2; exit 1; }
fetch "dists/$suite/$index" "$work/Packages.xz"
echo "$index_sha  $work/Packages.xz" | sha256sum -c --quiet
xz -dc "$work/Packages.xz" >"$work/Packages"
awk -v p="$package" '
  /^Package: / { this = ($2 == p) } this && /^(Version|Filename|SHA256): / { print }
  /^$/ && this { exit }' "$work/Packages" >"$work/entry"
version="$(sed -n 's/^Version: //p' "$work/entry")"
file="$(sed -n 's/^Filename: //p' "$work/entry")"
sha="$(sed -n 's/^SHA256: //p' "$work/entry")"
[ -n "$file" ] || { echo "debian_package.sh: no package $package in $suite" >&2; exit 1; }
if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$version" ]; then exit 0; fi
fetch "$file" "$work/package.deb"
echo "$sha  $work/package.deb" | sha256sum -c --quiet
rm -rf "$dest"
mkdir -p "$dest"
dpkg-deb -x "$work/package.deb" "$dest"
echo "$version" >"$dest/.version"
