#!/usr/bin/env bash
# Installing rigc, for real:
#   package_test.sh BUILD_DIR SOURCE_DIR CACHE_DIR
#
#  - `cmake --install` into a /usr/local-style prefix and, with DESTDIR, into /usr:
#    the binary, the bash, zsh and fish completions where each shell looks for
#    them under that prefix, and the manual page, each the same text as `rigc
#    completion SHELL` and `rigc man`;
#  - tools/release.sh: the stripped binary, whose only libraries are glibc's (a
#    dynamically linked binary is shown to be refused), the Debian package
#    (CPack), which depends on libc6 alone, and their checksums;
#  - a clean Debian 12 root (debootstrap's minbase as tests/e2e/rootfs.sh makes
#    it, cached in CACHE_DIR, unpacked afresh): `dpkg -i` of the package (its
#    dependencies met by the bare system), `rigc --version`, `rigc new`, a build
#    and a check there, the bash completion loaded by bash, `dpkg -r`; and the
#    release binary alone on the bare root. A binary that needs libraries the
#    root lacks is shown to fail there, so the root does not borrow the host's.
# Needs root (chroot) and debootstrap, on the first run the Debian archive.
set -euo pipefail
build="$(cd "$1" && pwd)"
src="$(cd "$2" && pwd)"
cache="$(mkdir -p "$3" && cd "$3" && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "package_test.sh: needs root (chroot)" >&2; exit 1; }
for tool in debootstrap dpkg-deb readelf objdump cpack; do
  command -v "$tool" >/dev/null || { echo "missing: $tool (./test.sh installs it)" >&2; exit 1; }
done
work="$(mktemp -d "${TMPDIR:-/tmp}/rigc-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
same() {  # same FILE COMMAND... : FILE holds exactly what COMMAND prints
  local file="$1"
  shift
  if cmp -s "$file" <("$@"); then ok "$file is what $* prints"; else fail "$file differs from $*"; fi
}
rigc="$build/rigc"

# --- cmake --install ---------------------------------------------------------------
cmake --install "$build" --prefix "$work/local" >/dev/null
DESTDIR="$work/dest" cmake --install "$build" --prefix /usr >/dev/null
for root in "$work/local" "$work/dest/usr"; do
  zsh_dir=share/zsh/site-functions
  [ "$root" = "$work/dest/usr" ] && zsh_dir=share/zsh/vendor-completions
  if [ -x "$root/bin/rigc" ] && "$root/bin/rigc" --version | grep -qx "rigc [0-9.]*"; then ok "$root/bin/rigc runs"; else fail "$root/bin/rigc"; fi
  same "$root/share/bash-completion/completions/rigc" "$rigc" completion bash
  same "$root/$zsh_dir/_rigc" "$rigc" completion zsh
  same "$root/share/fish/vendor_completions.d/rigc.fish" "$rigc" completion fish
  if cmp -s <(gzip -dc "$root/share/man/man1/rigc.1.gz") <("$rigc" man); then ok "$root: the manual page"; else fail "$root: the manual page is not rigc man"; fi
done
if MANWIDTH=80 man -l "$work/local/share/man/man1/rigc.1.gz" 2>&1 | grep -q "rigc new runner"; then ok "man reads the installed page"; else fail "man cannot read the installed page"; fi

# --- the release files --------------------------------------------------------------
"$src/tools/release.sh" "$build" "$work/dist" >/dev/null
cd "$work/dist"
version="$("$rigc" --version | sed 's/^rigc //')"
binary="rigc-$version-linux-$(uname -m)"
deb="$(basename "$(ls "$work"/dist/rigc_*.deb)")"
if sha256sum --check --quiet SHA256SUMS && sha256sum --check --quiet "$binary.sha256" "$deb.sha256"; then ok "checksums of $binary and $deb"; else fail "checksums"; fi
needed="$(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')"
case "$needed" in
  *libstdc++* | *yaml* | *fmt* | *crypto* | *ssl*) fail "$binary needs more than glibc: $needed" ;;
  *) ok "$binary needs only glibc: $needed" ;;
esac
depends="$(dpkg-deb -f "$deb" Depends)"
if [[ "$depends" =~ ^libc6\ \(\>=\ 2\.[0-9]+\)$ ]]; then ok "$deb depends on libc6 alone: $depends"; else fail "$deb depends on: $depends"; fi
# rigc pin opens libcurl with dlopen, which dpkg-shlibdeps cannot see.
recommends="$(dpkg-deb -f "$deb" Recommends)"
if [ "$recommends" = libcurl4 ]; then ok "$deb recommends libcurl4 (rigc pin)"; else fail "$deb recommends: $recommends"; fi
listing="$(dpkg-deb -c "$deb")"
for path in ./usr/bin/rigc ./usr/share/bash-completion/completions/rigc ./usr/share/zsh/vendor-completions/_rigc \
  ./usr/share/fish/vendor_completions.d/rigc.fish ./usr/share/man/man1/rigc.1.gz; do
  if grep -q " $path\$" <<<"$listing"; then ok "$deb holds $path"; else fail "$deb lacks $path"; fi
done
# The release script refuses a binary that needs more than glibc: a stand-in
# "rigc" linked against the shared libstdc++.
mkdir "$work/fake-build"
printf '#include <iostream>\n#include <string>\nint main() { std::cout << std::string("rigc 0.0.1") << "\\n"; }\n' |
  g++ -x c++ - -o "$work/fake-build/rigc"
if "$src/tools/release.sh" "$work/fake-build" "$work/fake-dist" >"$work/refused.log" 2>&1; then
  fail "release.sh accepted a binary linked against the shared libstdc++"
elif grep -q "needs libraries beyond glibc: libstdc++" "$work/refused.log"; then
  ok "release.sh refuses a binary that needs more than glibc"
else
  fail "release.sh failed for another reason: $(cat "$work/refused.log")"
fi

# --- a clean Debian 12 root ------------------------------------------------------------
tar_file="$cache/debian-bookworm-minbase-slim.tar"
"$src/tests/e2e/rootfs.sh" "$tar_file" >"$work/rootfs.log" 2>&1 || { tail -20 "$work/rootfs.log"; exit 1; }
root="$work/root"
mkdir "$root"
tar --numeric-owner -xf "$tar_file" -C "$root"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root NO_COLOR=1 "$@"; }
cp "$(command -v cmake)" "$root/tmp/dynamic"
if in_root /tmp/dynamic --version >/dev/null 2>&1; then
  fail "a binary that needs libraries the root lacks ran there: the root is not clean"
else
  ok "the root lacks what the host has (a dynamically linked cmake does not run there)"
fi
if in_root test -e /usr/bin/rigc; then fail "rigc is in the root before the package"; fi
cp "$deb" "$root/tmp/"
if in_root dpkg -i "/tmp/$deb" >"$work/dpkg.log" 2>&1; then ok "dpkg -i $deb in a bare Debian 12"; else fail "dpkg -i"; cat "$work/dpkg.log"; fi
if in_root rigc --version | grep -qx "rigc $version"; then ok "rigc --version in the root"; else fail "rigc --version in the root"; fi
if in_root sh -ec 'mkdir /work && cd /work && rigc new runner ci --packs git,python --labels big >/dev/null &&
    rigc build >/dev/null && rigc check >/dev/null && test -f docker/ci.Dockerfile'; then
  ok "rigc new, build and check in the root"
else
  fail "a build in the root"
fi
if in_root bash -c 'source /usr/share/bash-completion/completions/rigc && complete -p rigc' | grep -q _rigc; then
  ok "bash loads the installed completion"
else
  fail "bash cannot load the installed completion"
fi
if in_root dpkg -r rigc >/dev/null 2>&1 && ! in_root test -e /usr/bin/rigc &&
  ! in_root test -e /usr/share/bash-completion/completions/rigc; then
  ok "dpkg -r removes it"
else
  fail "dpkg -r"
fi
cp "$binary" "$root/opt/rigc"
if in_root /opt/rigc --version | grep -qx "rigc $version" &&
  in_root sh -ec 'cd /work && rm -rf docker && /opt/rigc build >/dev/null && /opt/rigc check >/dev/null'; then
  ok "the release binary runs and builds on the bare root"
else
  fail "the release binary on the bare root"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
