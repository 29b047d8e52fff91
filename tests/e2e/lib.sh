# shellcheck shell=bash
# What the end-to-end suites (run.sh, apps.sh, runners.sh) share, sourced by each:
#
#   e2e_begin NAME RIGC SOURCE_DIR CACHE_DIR
#       sets rigc, src, cache, here, top, work (a scratch ext4 file system where a
#       loop device can be had: removed in one piece at the end), logs
#       (CACHE_DIR/logs-NAME, kept for the next look), and the exit trap
#   e2e_at_exit FUNCTION    a cleanup step; they run in reverse order at exit
#   fail / ok / phase / show_tail / check (e2e_check.py)
#   e2e_rootfs_start, e2e_rootfs_wait
#       the debootstrap root file system of debian:bookworm-slim (rootfs.sh; kept
#       in CACHE_DIR), made in the background
#   e2e_fixtures    the upstream downloads' stand-ins (fixtures.sh) served over HTTP
#                   on 127.0.0.1; sets mirror and pack_path (--pack-path …)
#   e2e_engine      a private dockerd (tests/validators/dockerd.sh), stopped at exit
#                   by its PID; exports DOCKER_HOST
#   e2e_import_base debian:bookworm-slim (and debian:12) from the root file system
#   e2e_ruby_image  ruby:3.4-slim-bookworm's stand-in: Debian's Ruby laid out as the
#                   official image is (no Docker Hub here)
#   e2e_compose     Compose v2 (Debian trixie's docker-compose, fetched and verified
#                   by tests/tools/debian_package.sh) as the docker CLI's plugin
#   e2e_example NAME [DIR]  a copy of examples/NAME (sources and Rigfile, not its
#                   generated docker/) in DIR (default $work/examples/NAME), with
#                   tests/e2e/apps/NAME laid over it; prints the directory
#   build_args PLAN IMAGE   the mirror ARGs pointed at the fixture server
#   docker_build LOG CONTEXT DOCKERFILE TAG [ARGS...]
#   e2e_end         the summary; exit status 1 when anything failed
#
# Every server and engine a suite starts is stopped by its own PID.

# The variables set here are the sourcing suite's.
# shellcheck disable=SC2034
docker=/usr/bin/docker
export NO_COLOR=1
base_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
e2e_cleanups=()

e2e_at_exit() { e2e_cleanups+=("$1"); }

e2e_cleanup() {
  local status=$? i
  set +e
  echo "== cleanup (at ${SECONDS}s)"
  for ((i = ${#e2e_cleanups[@]} - 1; i >= 0; i--)); do
    "${e2e_cleanups[$i]}"
  done
  # Anything still mounted under the work directory (dockerd leaves its network
  # namespace mounted), and then the scratch file system, is unmounted before the
  # directory is removed.
  findmnt -rn -o TARGET | grep -F "$top/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$top"
  echo "== cleaned up (at ${SECONDS}s)"
  exit "$status"
}

e2e_begin() {
  local name="$1"
  # shellcheck disable=SC2034 # the suite's
  rigc="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
  src="$(cd "$3" && pwd)"
  cache="$(mkdir -p "$4" && cd "$4" && pwd)"
  here="$src/tests/e2e"
  local tool
  for tool in dockerd "$docker" debootstrap python3 curl jq; do
    command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (./test.sh installs it)" >&2; exit 1; }
  done
  top="$(mktemp -d "${TMPDIR:-/tmp}/rigc-e2e-$name.XXXXXX")"
  work="$top/fs"
  mkdir "$work"
  logs="$cache/logs-$name"
  rm -rf "$logs"
  mkdir -p "$logs"
  trap e2e_cleanup EXIT
  trap 'exit 143' TERM INT
  # Everything of this run sits on a scratch ext4 file system without a journal, in
  # a sparse file: at the end it is unmounted and deleted in one piece, where
  # unlinking the engines' hundreds of thousands of files one by one takes many
  # minutes. A plain directory where no loop device can be had.
  if truncate -s 64G "$top/scratch.img" \
    && mkfs.ext4 -q -F -m 0 -O ^has_journal -E lazy_itable_init=1,nodiscard "$top/scratch.img" >/dev/null 2>&1 \
    && mount -o loop,noatime,noinit_itable "$top/scratch.img" "$work" 2>/dev/null; then
    echo "work directory: a scratch file system in $top/scratch.img"
  else
    rm -f "$top/scratch.img"
    echo "work directory: $work (no scratch file system)"
  fi
  failures="$work/failures"
  : >"$failures"
}

fail() {
  echo "FAIL: $*"
  echo "$*" >>"$failures"
}
ok() { echo "ok: $*"; }
phase() { echo "== $* (at ${SECONDS}s)"; }
check() { python3 "$here/e2e_check.py" "$@"; }
show_tail() { tail -n "${2:-20}" "$1" | sed 's/^/    /'; }

rootfs_pid=""
e2e_rootfs_start() {
  rootfs_tar="$cache/debian-bookworm-minbase-slim.tar"
  "$here/rootfs.sh" "$rootfs_tar" >"$logs/rootfs.log" 2>&1 &
  rootfs_pid=$!
  e2e_at_exit e2e_stop_rootfs
}
e2e_stop_rootfs() {
  [ -z "$rootfs_pid" ] || { kill "$rootfs_pid" 2>/dev/null; wait "$rootfs_pid" 2>/dev/null; }
}
e2e_rootfs_wait() {
  if ! wait "$rootfs_pid"; then
    rootfs_pid=""
    echo "the base image's root file system was not made" >&2
    show_tail "$logs/rootfs.log"
    exit 1
  fi
  rootfs_pid=""
}

http_pid=""
e2e_fixtures() {
  "$here/fixtures.sh" "$src" "$cache/fixtures" "$work/fixtures" >"$logs/fixtures.log" 2>&1 \
    || { show_tail "$logs/fixtures.log"; exit 1; }
  python3 -u -m http.server --bind 127.0.0.1 0 --directory "$work/fixtures/www" >"$logs/http.log" 2>&1 &
  http_pid=$!
  e2e_at_exit e2e_stop_http
  local port=""
  for _ in $(seq 1 50); do
    port="$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' "$logs/http.log")"
    [ -n "$port" ] && break
    sleep 0.2
  done
  [ -n "$port" ] || { echo "the fixture HTTP server did not start" >&2; show_tail "$logs/http.log"; exit 1; }
  mirror="http://127.0.0.1:$port"
  # shellcheck disable=SC2034 # the suite's
  pack_path=(--pack-path "$work/fixtures/packs")
}

e2e_stop_http() {
  [ -z "$http_pid" ] || { kill "$http_pid" 2>/dev/null; wait "$http_pid" 2>/dev/null; }
}

e2e_engine() {
  "$src/tests/validators/dockerd.sh" start "$work/engine"
  e2e_at_exit e2e_stop_engine
  export DOCKER_HOST="unix://$work/engine/docker.sock"
}
e2e_stop_engine() { "$src/tests/validators/dockerd.sh" stop "$work/engine"; }

e2e_import_base() {
  "$docker" import --change "ENV PATH=$base_path" --change 'CMD ["bash"]' "$rootfs_tar" debian:bookworm-slim >/dev/null
  "$docker" tag debian:bookworm-slim debian:12
}

# The official ruby:3.4-slim-bookworm cannot be pulled here: Debian 12's Ruby in its
# layout (GEM_HOME and Bundler's config in /usr/local/bundle, on PATH), built on the
# local base. Its Ruby is 3.1, which is all the Rails stand-in of apps/rails needs.
e2e_ruby_image() {
  docker_build ruby-image.log "$here/images" "$here/images/ruby-standin.Dockerfile" ruby:3.4-slim-bookworm
}

e2e_compose() {
  local dir="$cache/tools/docker-compose"
  "$src/tests/tools/debian_package.sh" trixie docker-compose "$dir" >"$logs/compose-fetch.log" 2>&1 \
    || { show_tail "$logs/compose-fetch.log"; return 1; }
  export DOCKER_CONFIG="$work/docker-config"
  mkdir -p "$DOCKER_CONFIG/cli-plugins"
  ln -sf "$dir/usr/libexec/docker/cli-plugins/docker-compose" "$DOCKER_CONFIG/cli-plugins/docker-compose"
  "$docker" compose version | sed 's/^/    /'
}

e2e_example() {
  local name="$1" dir="${2:-$work/examples/$1}"
  mkdir -p "$dir"
  (cd "$src/examples/$name" && tar --exclude=./docker --exclude=./node_modules -cf - .) | tar -C "$dir" -xf -
  if [ -d "$here/apps/$name" ]; then cp -a "$here/apps/$name/." "$dir/"; fi
  printf '%s' "$dir"
}

build_args() {
  local arg stem
  while read -r arg; do
    [ -n "$arg" ] || continue
    stem="$(tr 'A-Z_' 'a-z-' <<<"${arg%_MIRROR}")"
    printf '%s\n' --build-arg "$arg=$mirror/$stem"
  done < <(check plan-image "$1" "$2" mirrors)
}

# docker_build LOG CONTEXT DOCKERFILE TAG [ARGS...]: a BuildKit build, its plain
# progress in LOG; prints the end of the log when it fails.
docker_build() {
  local log="$logs/$1" context="$2" file="$3" tag="$4"
  shift 4
  if DOCKER_BUILDKIT=1 "$docker" build --network=host --progress=plain -f "$file" -t "$tag" "$@" "$context" \
    >"$log" 2>&1; then
    return 0
  fi
  show_tail "$log" 15
  return 1
}

e2e_end() {
  phase "end"
  if [ -s "$failures" ]; then
    echo "$(wc -l <"$failures") failures:"
    sed 's/^/  /' "$failures"
    exit 1
  fi
  echo "every check passed in ${SECONDS}s"
}
