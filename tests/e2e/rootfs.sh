#!/usr/bin/env bash
# A Debian 12 root file system made the way the official debian:bookworm-slim is,
# as a tar to import into an engine (no registry is reachable from the test
# machine): debootstrap's minbase, plus the files that image adds (debuerreotype's
# slim variant): apt's docker-clean hook, which rigc must remove for its cache
# mounts to keep the .debs, apt's gzip-indexes and no-languages settings, and
# dpkg's path excludes and unsafe-io.
#   rootfs.sh TAR    makes TAR unless it exists (about a minute; kept as a cache)
set -euo pipefail
tar_file="$1"
[ -f "$tar_file" ] && exit 0
mkdir -p "$(dirname "$tar_file")"
work="$(mktemp -d "${TMPDIR:-/tmp}/rigc-rootfs.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
# The Debian archive this machine's apt already uses for bookworm (deb822 stanzas
# in sources.list.d, or one-line sources), never a host name written here.
mirror="$(awk '
  /^$/ { if (suite && uri) { print uri; found = 1; exit } uri = ""; suite = 0; next }
  /^URIs:/ { uri = $2 }
  /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
  END { if (!found && suite && uri) print uri }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)"
if [ -z "$mirror" ]; then
  mirror="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) bookworm .*/\2/p' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)"
fi
[ -n "$mirror" ] || { echo "no Debian archive for bookworm in /etc/apt/sources.list*" >&2; exit 1; }
if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  exit 1
fi
cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
echo 'APT::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
echo 'force-unsafe-io' >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
  'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/linda/*' \
  'path-exclude /usr/share/lintian/*' 'path-exclude /usr/share/locale/*' \
  'path-include /usr/share/locale/locale.alias' 'path-exclude /usr/share/man/*' \
  >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
tar --numeric-owner --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*_*' \
  -C "$rootfs" -cf "$tar_file.part" .
mv "$tar_file.part" "$tar_file"
