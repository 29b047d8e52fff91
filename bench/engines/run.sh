#!/usr/bin/env bash
# Engine benchmark: the images rigc generates against two hand-written Dockerfiles
# of the same content, built on a real dockerd 20.10 (built-in BuildKit) that the
# script starts with its own data root and stops by its PID:
#   before  the starting point of Docker's optimization guides (one stage, one
#           apt-get per package group without cleanup or cache mounts, sources
#           before dependencies, chown -R);
#   expert  what the guides recommend, written by hand (one apt layer with cache
#           mounts and --no-install-recommends, numeric non-root user, COPY --chown).
# Workloads: the `api` image of examples/api (Python, a build stage for its
# requirements), the `server` image of examples/go-service (Go, a static binary on
# scratch) and the `full-stack` runner of examples/runners (their downloads served
# from a local HTTP server, as in the end-to-end suite). For each variant: a cold
# build (build cache and cache mounts emptied first), a rebuild after a source edit
# (app.py; main.go; the runner entrypoint), a rebuild after adding one OS package
# (not for go-service, whose image has no OS), the image size and its layer count.
# Prints a Markdown table. Not a test: the numbers depend on the machine.
#
# On a shared machine the timings are noisy: RUNS=N repeats every measurement N
# times, the variants interleaved, their order rotated forwards and backwards from
# run to run so that each follows each other one (a cold build right after a big
# one ran measurably slower), and the table gives medians with the range of the
# runs. Each cold build starts after `sync` and a pause, so that none pays for
# writing back what the one before it wrote (dpkg syncs its files).
#
#   [RUNS=N] [VARIANTS="expert generated"] [BASELINE=OTHER_RIGC] [LOGS=DIR] \
#   bench/engines/run.sh [RIGC] [CACHE_DIR] [WORKLOAD...]
#     RIGC       default build/rigc
#     CACHE_DIR  the debootstrap root file system and fixture downloads, shared
#                with the end-to-end suite (default build/e2e-cache)
#     WORKLOAD   api, go-service, full-stack (default all three)
#     RUNS       runs of each variant (default 1)
#     VARIANTS   a subset of: before expert generated baseline (default the first
#                three); baseline is what the rigc named by BASELINE generates,
#                to measure a change of the compiler against its predecessor
#     LOGS       keep BuildKit's plain logs of every build there (step timings)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rigc="$(cd "$(dirname "${1:-$root/build/rigc}")" && pwd)/$(basename "${1:-$root/build/rigc}")"
cache="$(mkdir -p "${2:-$root/build/e2e-cache}" && cd "${2:-$root/build/e2e-cache}" && pwd)"
here="$root/bench/engines"
shift $(($# < 2 ? $# : 2))
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(api go-service full-stack)
for w in "${workloads[@]}"; do
  case "$w" in api | go-service | full-stack) ;; *) echo "unknown workload: $w (api, go-service, full-stack)" >&2; exit 2 ;; esac
done
runs="${RUNS:-1}"
read -r -a variants <<<"${VARIANTS:-before expert generated}"
for v in "${variants[@]}"; do
  case "$v" in before | expert | generated | baseline) ;; *) echo "unknown variant: $v (before, expert, generated, baseline)" >&2; exit 2 ;; esac
  [ "$v" != baseline ] || [ -x "${BASELINE:-}" ] || { echo "the baseline variant needs BASELINE=RIGC" >&2; exit 2; }
done
logs="${LOGS:-}"
[ -z "$logs" ] || logs="$(mkdir -p "$logs" && cd "$logs" && pwd)"
e2e="$root/tests/e2e"
docker=/usr/bin/docker
export NO_COLOR=1

work="$(mktemp -d "${TMPDIR:-/tmp}/rigc-bench-engines.XXXXXX")"
http_pid=""
cleanup() {
  local status=$?
  set +e
  if [ -n "$http_pid" ]; then
    kill "$http_pid" 2>/dev/null
    wait "$http_pid" 2>/dev/null
  fi
  "$root/tests/validators/dockerd.sh" stop "$work/engine"
  findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
log() { echo "$*" >&2; }

# --- engine, base image, fixtures ----------------------------------------------------
"$e2e/rootfs.sh" "$cache/debian-bookworm-minbase-slim.tar"
"$e2e/fixtures.sh" "$root" "$cache/fixtures" "$work/fixtures" >"$work/fixtures.log" 2>&1 \
  || { tail -20 "$work/fixtures.log" >&2; exit 1; }
python3 -u -m http.server --bind 127.0.0.1 0 --directory "$work/fixtures/www" >"$work/http.log" 2>&1 &
http_pid=$!
port=""
for _ in $(seq 1 50); do
  port="$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' "$work/http.log")"
  [ -n "$port" ] && break
  sleep 0.2
done
[ -n "$port" ] || { log "the fixture HTTP server did not start"; exit 1; }
mirror="http://127.0.0.1:$port"
"$root/tests/validators/dockerd.sh" start "$work/engine"
export DOCKER_HOST="unix://$work/engine/docker.sock" DOCKER_BUILDKIT=1
"$docker" import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["bash"]' "$cache/debian-bookworm-minbase-slim.tar" debian:bookworm-slim >/dev/null

# fetched archives: versions and checksums of the fixtures (for the hand-written files)
go_version="$(sed -n 's/^go //p' "$work/fixtures/versions")"
runner_version="$(sed -n 's/^gh-runner //p' "$work/fixtures/versions")"
go_sha="$(sha256sum "$work/fixtures/www/go/go$go_version.linux-amd64.tar.gz" | cut -d' ' -f1)"
runner_sha="$(sha256sum "$work/fixtures/www/gh-runner/v$runner_version/actions-runner-linux-x64-$runner_version.tar.gz" | cut -d' ' -f1)"
fetch_args=(--build-arg "GO_VERSION=$go_version" --build-arg "GO_MIRROR=$mirror/go"
  --build-arg "GO_SHA256=$go_sha" --build-arg "GH_RUNNER_VERSION=$runner_version"
  --build-arg "GH_RUNNER_MIRROR=$mirror/gh-runner" --build-arg "GH_RUNNER_SHA256=$runner_sha"
  --build-arg "NPM_MIRROR=$mirror/npm")

# context WORKLOAD VARIANT: a fresh copy of the example with its generated files
# and the hand-written Dockerfiles; prints its directory
context() {
  local dir="$work/ctx/$1-$2" rigc="$rigc"
  [ "$2" != baseline ] || rigc="$BASELINE"
  rm -rf "$dir"
  mkdir -p "$dir/bench"
  case "$1" in
    api)
      cp -a "$root/examples/api/Rigfile" "$root/examples/api/requirements.txt" "$root/examples/api/app" "$dir/"
      "$rigc" build "$dir/Rigfile" >/dev/null
      ;;
    go-service)
      cp -a "$root/examples/go-service/Rigfile" "$root/examples/go-service/go.mod" "$root/examples/go-service/cmd" "$dir/"
      "$rigc" build "$dir/Rigfile" --pack-path "$work/fixtures/packs" >/dev/null
      ;;
    full-stack)
      cp "$root/examples/runners/Rigfile" "$dir/"
      "$rigc" build "$dir/Rigfile" --pack-path "$work/fixtures/packs" >/dev/null
      ;;
  esac
  cp "$here/$1"/* "$dir/bench/"
  echo "$dir"
}

# dockerfile WORKLOAD VARIANT: the Dockerfile of a variant, relative to its context
dockerfile() {
  if [ "$2" = generated ] || [ "$2" = baseline ]; then
    case "$1" in
      api) echo docker/api.Dockerfile ;;
      go-service) echo docker/server.Dockerfile ;;
      full-stack) echo docker/full-stack.Dockerfile ;;
    esac
  else
    echo "bench/$2.Dockerfile"
  fi
}

# build DIR FILE LOG: a build with plain progress; prints the seconds it took
build() {
  local start end
  start="$(date +%s.%N)"
  if ! "$docker" build --network=host --progress=plain -f "$1/$2" -t bench "${fetch_args[@]}" "$1" >"$3" 2>&1; then
    tail -20 "$3" >&2
    log "build failed: $1/$2"
    exit 1
  fi
  end="$(date +%s.%N)"
  [ -z "$logs" ] || cp "$3" "$logs/"
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

# steps LOG: "CACHED/TOTAL DEPENDENCY_STEPS_RERUN" of a BuildKit plain log
steps() {
  python3 "$e2e/e2e_check.py" steps "$1" | awk '
    { total++ } /^CACHED/ { cached++ }
    /^RAN/ && /apt-get install|pip install|npm (ci|install)|bundle install|go mod download/ { deps++ }
    END { printf "%d/%d %d\n", cached, total, deps }'
}

# edit_source WORKLOAD DIR: the source edit
edit_source() {
  case "$1" in
    api) echo '# edited' >>"$2/app/app.py" ;;
    go-service) echo '// edited' >>"$2/cmd/server/main.go" ;;
    full-stack) echo '# edited' >>"$2/docker/runner-entrypoint.sh" ;;
  esac
}

# add_package WORKLOAD VARIANT DIR: one more OS package (tree), the way each kind
# of file is edited: the spec for rigc, the last apt-get group for the starting
# point, the one apt list for the expert's
add_package() {
  local rigc="$rigc"
  [ "$2" != baseline ] || rigc="$BASELINE"
  case "$2" in
    generated | baseline)
      if [ "$1" = api ]; then
        sed -i 's/^image api {$/&\n  apt tree/' "$3/Rigfile"
        "$rigc" build "$3/Rigfile" >/dev/null
      else
        sed -i 's/^runner full-stack extends base {$/&\n  apt tree/' "$3/Rigfile"
        "$rigc" build "$3/Rigfile" --pack-path "$work/fixtures/packs" >/dev/null
      fi
      ;;
    before)
      local last
      last="$(grep -n '^RUN apt-get update && apt-get install -y ' "$3/bench/before.Dockerfile" | tail -1 | cut -d: -f1)"
      sed -i "${last}s/\$/ tree/" "$3/bench/before.Dockerfile"
      ;;
    expert)
      sed -i 's/^      ca-certificates /      ca-certificates tree /' "$3/bench/expert.Dockerfile"
      grep -q '^      ca-certificates tree ' "$3/bench/expert.Dockerfile" \
        || { log "no apt list to add tree to in $3/bench/expert.Dockerfile"; exit 1; }
      ;;
  esac
}

mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
# stat VALUES...: the median, and the range when there is more than one value
stat() {
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END {
      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      if (NR == 1) printf "%.1f s", m; else printf "%.1f s (%.1f–%.1f)", m, v[1], v[NR]
    }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure WORKLOAD VARIANT RUN: one cold build, the edit and the package rebuilds;
# appends "cold edit package size layers edit_cached edit_deps package_cached
# package_deps" to $work/results/WORKLOAD-VARIANT
measure() {
  local workload="$1" variant="$2" run="$3" dir file cold size layers edit package=- pc=- pd=-
  log "== $workload / $variant (run $run)"
  dir="$(context "$workload" "$variant")"
  file="$(dockerfile "$workload" "$variant")"
  "$docker" image rm -f bench >/dev/null 2>&1 || true
  "$docker" builder prune -af >/dev/null
  sync
  sleep 5
  cold="$(build "$dir" "$file" "$work/$workload-$variant-$run-cold.log")"
  size="$("$docker" image inspect -f '{{.Size}}' bench)"
  layers="$("$docker" image inspect -f '{{len .RootFS.Layers}}' bench)"
  edit_source "$workload" "$dir"
  edit="$(build "$dir" "$file" "$work/$workload-$variant-$run-edit.log")"
  read -r ec ed <<<"$(steps "$work/$workload-$variant-$run-edit.log")"
  if [ "$workload" != go-service ]; then
    add_package "$workload" "$variant" "$dir"
    package="$(build "$dir" "$file" "$work/$workload-$variant-$run-package.log")"
    read -r pc pd <<<"$(steps "$work/$workload-$variant-$run-package.log")"
    "$docker" run --rm --network=host --entrypoint /bin/sh bench -c 'command -v tree' >/dev/null \
      || { log "tree is not in the $workload/$variant image"; exit 1; }
  fi
  echo "$cold $edit $package $size $layers $ec $ed $pc $pd" >>"$work/results/$workload-$variant"
  log "   cold ${cold}s, edit ${edit}s, +package ${package}s, $(mib "$size"), $layers layers"
}

mkdir -p "$work/results"
for workload in "${workloads[@]}"; do
  for run in $(seq 1 "$runs"); do
    for i in "${!variants[@]}"; do
      # Odd runs rotate the order forwards, even runs backwards: each variant
      # follows each other one (a cold build after a big one runs slower).
      n=${#variants[@]}
      if [ $((run % 2)) -eq 1 ]; then k=$(((i + run / 2) % n)); else k=$(((n - 1 - i + run / 2) % n)); fi
      variant="${variants[$k]}"
      [ "$workload" = go-service ] && [ "$variant" = before ] && continue
      measure "$workload" "$variant" "$run"
    done
  done
done

col() { awk -v c="$1" '{ print $c }' "$2"; }
echo
echo "| workload | Dockerfile | cold build | rebuild after a source edit | rebuild after adding one OS package | image size | layers |"
echo "|---|---|---|---|---|---|---|"
for workload in "${workloads[@]}"; do
  for variant in "${variants[@]}"; do
    f="$work/results/$workload-$variant"
    [ -f "$f" ] || continue
    read -r _ _ _ size layers ec ed pc pd < <(tail -1 "$f")
    mapfile -t cold < <(col 1 "$f")
    mapfile -t edit < <(col 2 "$f")
    edit_cell="$(stat "${edit[@]}") ($ec steps cached; $ed dependency steps rerun)"
    if [ "$workload" = go-service ]; then
      package_cell="n/a (no OS in the image)"
    else
      mapfile -t package < <(col 3 "$f")
      package_cell="$(stat "${package[@]}") ($pc cached; $pd dependency steps rerun)"
    fi
    echo "| $workload | $variant | $(stat "${cold[@]}") | $edit_cell | $package_cell | $(mib "$size") | $layers |"
  done
done
echo
for workload in "${workloads[@]}"; do
  x="$work/results/$workload-expert"
  for variant in generated baseline; do
    g="$work/results/$workload-$variant"
    [ -f "$g" ] && [ -f "$x" ] || continue
    mapfile -t gc < <(col 1 "$g")
    mapfile -t xc < <(col 1 "$x")
    echo "$workload: the $variant image is $(pct "$(tail -1 "$g" | cut -d' ' -f4)" "$(tail -1 "$x" | cut -d' ' -f4)") of the expert's size; its median cold build $(pct "$(median "${gc[@]}")" "$(median "${xc[@]}")") of the expert's."
  done
done
echo "($runs run(s) of each variant, interleaved in rotating order; dockerd $("$docker" version -f '{{.Server.Version}}'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
