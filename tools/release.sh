#!/usr/bin/env bash
# Makes the release files of a build into DIST, as .github/workflows/release.yml
# publishes them:
#   rigc-VERSION-linux-ARCH          the binary, stripped (needs only the C library)
#   rigc_VERSION_DEBARCH.deb         the Debian package (CPack: binary, completions, man page)
#   each with NAME.sha256 ("HASH  NAME", for `sha256sum -c`), and SHA256SUMS of all.
#
#   tools/release.sh BUILD_DIR DIST_DIR
#
# Refuses a binary that needs a shared library other than glibc's (configure with
# RIGC_STATIC_LIBS=ON, the default), or a glibc newer than Debian 12's 2.36, so
# that it runs on a bare Debian 12 or Ubuntu 24.04.
set -euo pipefail
build="$(cd "$1" && pwd)"
mkdir -p "$2"
dist="$(cd "$2" && pwd)"
max_glibc="${RIGC_MAX_GLIBC:-2.36}"

version="$("$build/rigc" --version | sed -n 's/^rigc //p')"
[ -n "$version" ] || { echo "release.sh: cannot read the version of $build/rigc" >&2; exit 1; }
arch="$(uname -m)"

# The libraries a binary needs beyond glibc's own, one per line ("" when none).
not_glibc() {
  readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
    grep -v -E '^(libc|libm|libdl|libpthread|librt|libresolv|ld-linux-[a-z0-9_-]+)\.so(\.[0-9]+)*$' || true
}
# The newest glibc symbol version a binary needs, e.g. 2.34.
newest_glibc() {
  objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -t. -k1,1n -k2,2n | tail -1
}
newer_than() {  # newer_than A B: A is a later version than B
  [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n | tail -1)" = "$1" ]
}

binary="rigc-$version-linux-$arch"
cp "$build/rigc" "$dist/$binary"
strip "$dist/$binary"
extra="$(not_glibc "$dist/$binary")"
if [ -n "$extra" ]; then
  echo "release.sh: $binary needs libraries beyond glibc: $extra (configure with -DRIGC_STATIC_LIBS=ON)" >&2
  exit 1
fi
glibc="$(newest_glibc "$dist/$binary")"
if newer_than "$glibc" "$max_glibc"; then
  echo "release.sh: $binary needs glibc $glibc, newer than $max_glibc (build on Debian 12)" >&2
  exit 1
fi

(cd "$build" && cpack -G DEB -B "$dist/cpack" >/dev/null)
debs=("$dist"/cpack/*.deb)
deb="$(basename "${debs[0]}")"
mv "${debs[0]}" "$dist/$deb"
rm -rf "$dist/cpack"

cd "$dist"
for file in "$binary" "$deb"; do
  sha256sum "$file" >"$file.sha256"
done
sha256sum "$binary" "$deb" >SHA256SUMS
echo "$dist: $binary (glibc $glibc), $deb"
