#!/usr/bin/env bash
# End-to-end: the generated Dockerfiles built on real engines and their images
# checked (apps.sh runs the applications, runners.sh the runners).
#
#   run.sh RIGC SOURCE_DIR CACHE_DIR
#
# Compiles examples/runners (on the local Debian base: Ubuntu's archive is not
# reachable here), examples/api and examples/rails (with the stand-in bin/rails of
# apps/rails, on a stand-in of the official Ruby image), with test copies of the
# fetching packs whose archives a local HTTP server provides, then:
#   - builds every image with dockerd 20.10's built-in BuildKit, in a daemon this
#     script starts (own data root, exec root and socket) and stops by its PID;
#   - checks each image: its configuration against `rigc plan --format json`
#     (numeric non-root user, health check, labels, environment, runner
#     settings) and, inside a container as the image's user, every pack's verify
#     command and the ownership of every directory the user should own; a runner's
#     entrypoint refuses a credential in its environment;
#   - proves fetching (the right SHA-256 builds, a wrong one fails, and so does a
#     version without one), the layer cache (a source edit reruns only the source
#     layer, a manifest edit only the dependency steps, an entrypoint edit only its
#     COPY), the apt cache mount (an apt step that runs again downloads nothing)
#     and the build secret (required, and in no layer of the image);
#   - proves the suite can fail: corrupted copies of a generated Dockerfile fail
#     to build, an image built from a wrong one fails the checks, a leaked secret
#     is found, and the cache checks reject a cold build's log;
#   - builds the same images with Buildah 1.28 (overlay storage, or vfs where
#     overlay cannot be mounted; --layers, docker format, chroot isolation),
#     concurrently with the Docker half, checks their configuration, and runs the
#     checks inside each with `buildah run`.
# CACHE_DIR keeps the debootstrap root file system and the fixture downloads
# between runs, and the logs of the last run (CACHE_DIR/logs-images); everything else
# lives in a temporary directory (a scratch file system) removed at exit.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_begin images "$@"
command -v buildah >/dev/null 2>&1 || { echo "missing: buildah (./test.sh installs it)" >&2; exit 1; }

buildah_pid=""
# Buildah's storage is private to this run: overlay where the kernel mounts it (it
# does here, as root on ext4); vfs otherwise, which copies every layer in full and
# is many times slower.
bh=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver overlay)
# At exit: the running Buildah command first (its PID is in bud.pid), then the suite.
stop_buildah() {
  if [ -n "$buildah_pid" ] && kill -0 "$buildah_pid" 2>/dev/null; then
    if [ -f "$work/buildah/bud.pid" ]; then kill "$(cat "$work/buildah/bud.pid")" 2>/dev/null; fi
    kill "$buildah_pid"
    wait "$buildah_pid"
  fi
}
e2e_at_exit stop_buildah
if c="$("${bh[@]}" from scratch 2>/dev/null)" && "${bh[@]}" mount "$c" >/dev/null 2>&1; then
  "${bh[@]}" rm "$c" >/dev/null
else
  "${bh[@]}" rm --all >/dev/null 2>&1 || true
  findmnt -rn -o TARGET | grep "^$work/buildah/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$work/buildah"
  bh=(buildah --root "$work/buildah/root" --runroot "$work/buildah/run" --storage-driver vfs)
fi
echo "buildah storage driver: ${bh[-1]}"

# --- a Debian 12 base image (rootfs.sh) and the fixtures, served on 127.0.0.1 ------
phase "base image and fixtures"
e2e_rootfs_start
e2e_fixtures
phase "fixtures made"
e2e_rootfs_wait
phase "base image made"

# --- the examples, compiled from temporary copies ---------------------------------
phase "compile the examples"
ex="$work/examples"
for name in runners api rails; do
  e2e_example "$name" >/dev/null
done
# The runners on the local Debian base (their default, ubuntu:24.04, cannot be
# pulled here; the Ubuntu form is checked by the golden and validator suites).
sed -i 's/^defaults {$/defaults {\n  base debian:bookworm-slim/' "$ex/runners/Rigfile"
grep -q '^  base debian:bookworm-slim$' "$ex/runners/Rigfile" || { echo "the runners' defaults block was not found" >&2; exit 1; }
for name in runners api rails; do
  "$rigc" build "$ex/$name/Rigfile" "${pack_path[@]}" >/dev/null
  "$rigc" plan --format json "$ex/$name/Rigfile" "${pack_path[@]}" >"$ex/$name/plan.json"
done
printf 'gem.example.com:e2e-%s\n' "$RANDOM$RANDOM" >"$work/gem_credentials"
secret_value="$(cat "$work/gem_credentials")"

# example:image pairs, in build order (api first: its cold build proves downloads)
images=(api:api rails:web runners:base runners:cpp runners:python runners:web runners:full-stack)

# image_args EXAMPLE IMAGE: the mirror ARGs pointed at the fixture server, and the
# build secret of the rails example
image_args() {
  build_args "$ex/$1/plan.json" "$2"
  if [ "$1" = rails ]; then printf '%s\n' --secret "id=gem_credentials,src=$work/gem_credentials"; fi
}

# in_container ENGINE IMAGE_REF PLAN NAME: the plan's checks inside the image, as
# its own user (a runner image's is the plan's: the image itself ends as root,
# for its entrypoint, which runs the runner and its jobs as that user)
in_container() {
  local engine="$1" ref="$2" plan="$3" name="$4" script out status=0 c as=()
  script="$(check plan-image "$plan" "$name" script)"
  [ "$(check plan-image "$plan" "$name" kind)" != runner ] || as=(--user "$(check plan-image "$plan" "$name" user)")
  if [ "$engine" = docker ]; then
    out="$("$docker" run --rm --network=host "${as[@]}" --entrypoint /bin/bash "$ref" -c "$script" 2>&1)" || status=$?
  else
    c="$("${bh[@]}" from --pull-never "$ref")"
    out="$("${bh[@]}" run --isolation chroot "${as[@]}" "$c" -- /bin/bash -c "$script" 2>&1)" || status=$?
    "${bh[@]}" rm "$c" >/dev/null
  fi
  printf '%s\n' "$out" | sed 's/^/    /'
  return "$status"
}

# bud LOG DIR ARGS...: `buildah bud` (--layers, docker format, chroot) of the
# context DIR, its output in LOG, its PID in bud.pid for the cleanup
bud() {
  local log="$logs/$1" dir="$2"
  shift 2
  (cd "$dir" && exec "${bh[@]}" bud --isolation chroot --pull-never --layers --format docker "$@" . \
    >"$log" 2>&1) &
  echo "$!" >"$work/buildah/bud.pid"
  if wait "$!"; then return 0; fi
  show_tail "$log" 15
  return 1
}

# ==================================================================================
# Buildah, in the background while Docker builds (its output is shown at the end).
buildah_suite() {
  export TMPDIR="$work/buildah/tmp" # where Buildah keeps its cache mounts
  mkdir -p "$TMPDIR"
  phase "buildah: base image"
  local c example name ref args
  c="$("${bh[@]}" from scratch)"
  "${bh[@]}" add "$c" "$rootfs_tar" / >/dev/null
  "${bh[@]}" config --env "PATH=$base_path" --cmd bash "$c"
  "${bh[@]}" commit -q "$c" docker.io/library/debian:bookworm-slim >/dev/null
  "${bh[@]}" rm "$c" >/dev/null
  if bud buildah-ruby-image.log "$here/images" -t docker.io/library/ruby:3.4-slim-bookworm -f ruby-standin.Dockerfile; then
    ok "buildah: the stand-in of ruby:3.4-slim-bookworm built"
  else
    fail "buildah: the stand-in of ruby:3.4-slim-bookworm did not build"
  fi
  # The stages that several images share (base, and the runners' download stages)
  # are kept under names, so they stay in the layer cache when each image is
  # removed below.
  if bud buildah-stage-base.log "$bx/api" --target base -t localhost/e2e/stage-base -f docker/api.Dockerfile; then
    ok "buildah: the shared base stage built"
  else
    fail "buildah: the shared base stage did not build"
  fi
  local stage file
  while read -r stage; do
    file="$(grep -l -x "FROM fetch AS $stage" "$bx"/runners/docker/*.Dockerfile | head -1)"
    mapfile -t args < <(image_args runners "$(basename "$file" .Dockerfile)")
    if bud "buildah-stage-$stage.log" "$bx/runners" "${args[@]}" --target "$stage" -t "localhost/e2e/stage-$stage" \
      -f "docker/$(basename "$file")"; then
      ok "buildah: the shared $stage stage built"
    else
      fail "buildah: the shared $stage stage did not build"
    fi
  done < <(sed -n 's/^FROM fetch AS \(pack-[a-z0-9-]*\)$/\1/p' "$bx"/runners/docker/*.Dockerfile | sort -u)
  for pair in "${images[@]}"; do
    example="${pair%%:*}"
    name="${pair#*:}"
    ref="localhost/e2e/$example-$name"
    phase "buildah: $example/$name"
    mapfile -t args < <(image_args "$example" "$name")
    if ! bud "buildah-$example-$name.log" "$bx/$example" "${args[@]}" -t "$ref" -f "docker/$name.Dockerfile"; then
      fail "buildah: $example/$name did not build"
      continue
    fi
    ok "buildah: $example/$name built"
    "${bh[@]}" inspect --type image "$ref" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Docker"]["config"]))' \
      >"$work/buildah-config.json"
    if check config "$bx/$example/plan.json" "$name" "$work/buildah-config.json"; then
      ok "buildah: $example/$name configuration matches the plan"
    else
      fail "buildah: $example/$name configuration"
    fi
    if in_container buildah "$ref" "$bx/$example/plan.json" "$name"; then
      ok "buildah run: $example/$name verified as its user"
    else
      fail "buildah run: $example/$name"
    fi
    # vfs stores every layer as a full copy: there, keep only the named shared
    # stages between images (and the cache mounts), so the disk holds one image at
    # a time. overlay keeps every layer, for the next image's cache.
    if [ "${bh[-1]}" = vfs ]; then
      "${bh[@]}" rmi --force "$ref" >/dev/null
      "${bh[@]}" rmi --prune >/dev/null 2>&1 || true
    fi
    du -sh "$work/buildah" | sed 's/^/    storage: /'
  done
  phase "buildah: done"
}
bx="$work/examples-buildah" # its own copy: the Docker half edits sources below
cp -a "$ex" "$bx"
(buildah_suite >"$logs/buildah.log" 2>&1) &
buildah_pid=$!

# ==================================================================================
phase "dockerd"
e2e_engine
e2e_import_base
e2e_ruby_image || fail "the stand-in of ruby:3.4-slim-bookworm did not build"

# --- every image, built and checked -----------------------------------------------
built=()
for pair in "${images[@]}"; do
  example="${pair%%:*}"
  name="${pair#*:}"
  ref="e2e/$example-$name"
  plan="$ex/$example/plan.json"
  phase "docker: $example/$name"
  mapfile -t args < <(image_args "$example" "$name")
  if ! docker_build "docker-$example-$name.log" "$ex/$example" "$ex/$example/docker/$name.Dockerfile" "$ref" "${args[@]}"; then
    fail "docker: $example/$name did not build"
    continue
  fi
  ok "docker: $example/$name built"
  built+=("$pair")
  "$docker" inspect --format '{{json .Config}}' "$ref" >"$work/config.json"
  if check config "$plan" "$name" "$work/config.json"; then
    ok "docker: $example/$name configuration matches the plan"
  else
    fail "docker: $example/$name configuration"
  fi
  if in_container docker "$ref" "$plan" "$name"; then
    ok "docker: $example/$name verified as its user"
  else
    fail "docker: $example/$name checks inside the container"
  fi
  if [ "$(check plan-image "$plan" "$name" kind)" = runner ]; then
    # The whole lifecycle is runners.sh's; here, that the image's entrypoint runs
    # as root, drops nothing before it has checked its settings, and refuses a
    # credential in its environment (a job could read it there).
    if out="$("$docker" run --rm --network=host -e RUNNER_URL=https://github.com/acme -e RUNNER_TOKEN=e2e-token \
      -e RUNNER_FATAL_DELAY=0 "$ref" 2>&1)"; then
      fail "docker: $example/$name entrypoint accepted RUNNER_TOKEN in its environment: $out"
    elif grep -q "RUNNER_TOKEN is set in the environment" <<<"$out"; then
      ok "docker: $example/$name entrypoint refuses RUNNER_TOKEN in its environment"
    else
      fail "docker: $example/$name entrypoint with RUNNER_TOKEN: $out"
    fi
  fi
done

# Extra targets on top of the final image.
phase "docker: extra targets"
for target in api:api:dev rails:web:console; do
  IFS=: read -r example name tgt <<<"$target"
  mapfile -t args < <(image_args "$example" "$name")
  if docker_build "docker-$example-$name-$tgt.log" "$ex/$example" "$ex/$example/docker/$name.Dockerfile" \
    "e2e/$example-$name-$tgt" --target "$tgt" "${args[@]}"; then
    ok "docker: $example/$name target $tgt built"
  else
    fail "docker: $example/$name target $tgt did not build"
  fi
done
# shellcheck disable=SC2016 # $APP_ENV is the container's
if out="$("$docker" run --rm --network=host --entrypoint /bin/bash e2e/api-api-dev -c 'id -u; git --version; echo "$APP_ENV"' 2>&1)" \
  && [ "$(sed -n 1p <<<"$out")" = 10001 ] && grep -q '^git version' <<<"$(sed -n 2p <<<"$out")" \
  && [ "$(sed -n 3p <<<"$out")" = development ]; then
  ok "docker: api dev target runs as 10001 with git and APP_ENV=development"
else
  fail "docker: api dev target: $out"
fi
if "$docker" run --rm --network=host --entrypoint /bin/bash e2e/api-api -c 'command -v git' >/dev/null 2>&1; then
  fail "docker: the lean api image has git (the dev target's package)"
else
  ok "docker: the default api image stays lean (no git)"
fi

# The build secret: bundle install needs it (required=true), and it stays out of
# the image.
# secret_leaks IMAGE: where the secret is in IMAGE (its history, its environment,
# its files, searched as root), one per line; nothing when it is nowhere. The
# value goes in on standard input, so it is in no file of the container.
secret_leaks() {
  local history found
  history="$("$docker" history --no-trunc --format '{{.CreatedBy}}' "$1")" || return 1
  if grep -qF -e "$secret_value" <<<"$history"; then echo history; fi
  # shellcheck disable=SC2016 # the script is the container's
  found="$(printf '%s' "$secret_value" | "$docker" run -i --rm --network=host --user 0:0 --entrypoint /bin/bash "$1" -c \
    's="$(cat)"; [ -n "$s" ] || exit 3; if env | grep -qF -e "$s"; then echo environment; fi
     grep -rlsF -D skip --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev -e "$s" /; echo searched')" || return 1
  [ "$(tail -n 1 <<<"$found")" = searched ] || return 1
  sed '$d' <<<"$found"
}
if ! leaks="$(secret_leaks e2e/rails-web)"; then
  fail "docker: cannot search the rails image for its build secret"
elif [ -n "$leaks" ]; then
  fail "docker: the rails build secret is in the image: $(tr '\n' ' ' <<<"$leaks")"
else
  ok "docker: the rails build secret is in none of the image's history, environment or files"
fi
# (a comment in the Gemfile, so the bundle install step runs instead of coming
# from the cache, which does not depend on secrets)
echo '# edited by the e2e suite' >>"$ex/rails/Gemfile"
mapfile -t rails_args < <(image_args rails web)
no_secret_args=()
for arg in "${rails_args[@]}"; do
  case "$arg" in --secret | id=gem_credentials,*) ;; *) no_secret_args+=("$arg") ;; esac
done
if docker_build docker-rails-no-secret.log "$ex/rails" "$ex/rails/docker/web.Dockerfile" e2e/rails-no-secret \
  "${no_secret_args[@]}" >/dev/null; then
  fail "docker: the rails image built without its build secret"
elif grep -q '^#[0-9]* ERROR: secret gem_credentials not found' "$logs/docker-rails-no-secret.log"; then
  ok "docker: without its build secret the rails image does not build: secret gem_credentials not found"
else
  fail "docker: the rails build without its secret failed for another reason"
  show_tail "$logs/docker-rails-no-secret.log"
fi

# --- fetching ----------------------------------------------------------------------
phase "docker: fetching"
for path in /go/ /node/ /gh-runner/; do
  if grep -q "\"GET ${path}[^ ]* HTTP/1.1\" 200" "$logs/http.log"; then
    ok "downloaded through the mirror ARG: $(grep -o "GET ${path}[^ ]*" "$logs/http.log" | head -1)"
  else
    fail "nothing was downloaded from $path"
  fi
done
mkdir -p "$ex/fetch-check"
printf '# one fetching pack, for the checksum checks\nimage fetch-check {\n  packs go\n}\n' >"$ex/fetch-check/Rigfile"
mkdir -p "$work/fetch-bad"
"$rigc" build -o "$work/fetch-bad" "$ex/fetch-check/Rigfile" --pack-path "$work/fixtures/packs-bad" >/dev/null
"$rigc" build "$ex/fetch-check/Rigfile" "${pack_path[@]}" >/dev/null
fetch_file="$ex/fetch-check/docker/fetch-check.Dockerfile"
if docker_build docker-fetch-good.log "$ex/fetch-check" "$fetch_file" e2e/fetch-good --target pack-go \
  --build-arg "GO_MIRROR=$mirror/go"; then
  ok "fetch: the right SHA-256 builds"
else
  fail "fetch: the right SHA-256 did not build"
fi
if docker_build docker-fetch-bad.log "$ex/fetch-check" "$work/fetch-bad/fetch-check.Dockerfile" e2e/fetch-bad \
  --target pack-go --build-arg "GO_MIRROR=$mirror/go" >/dev/null; then
  fail "fetch: a wrong SHA-256 built"
elif grep -q "/tmp/go.archive: FAILED" "$logs/docker-fetch-bad.log" \
  && grep -q "computed checksum did NOT match" "$logs/docker-fetch-bad.log"; then
  ok "fetch: a wrong SHA-256 fails: $(grep -o 'sha256sum: WARNING.*' "$logs/docker-fetch-bad.log" | head -1)"
else
  fail "fetch: a wrong SHA-256 failed without sha256sum's message"
  show_tail "$logs/docker-fetch-bad.log"
fi
if docker_build docker-fetch-unknown.log "$ex/fetch-check" "$fetch_file" e2e/fetch-unknown --target pack-go \
  --build-arg "GO_MIRROR=$mirror/go" --build-arg GO_VERSION=0.0.1 >/dev/null; then
  fail "fetch: a version without a checksum built"
elif grep -q "rigc: pack go has no sha256 for version 0.0.1 on amd64" "$logs/docker-fetch-unknown.log"; then
  ok "fetch: a version without a checksum fails: rigc: pack go has no sha256 for version 0.0.1 on amd64"
else
  fail "fetch: a version without a checksum failed without rigc's message"
  show_tail "$logs/docker-fetch-unknown.log"
fi

# --- caches ------------------------------------------------------------------------
phase "docker: caches"
# The very first build started with empty cache mounts: apt downloaded, and the
# cache-mount check rejects its log (so the check below can fail).
check apt-downloads "$logs/docker-api-api.log" | sed 's/^/    cold: /'
if check apt-from-cache "$logs/docker-api-api.log" >/dev/null; then
  fail "cache: the cold build's log passes the cache-mount check"
else
  ok "cache: the cold build downloaded packages and the cache-mount check rejects its log"
fi
api_args=()
mapfile -t api_args < <(image_args api api)
rebuild() { # rebuild LOG EXAMPLE IMAGE: the default target again, plain progress
  local args=()
  mapfile -t args < <(image_args "$2" "$3")
  docker_build "$1" "$ex/$2" "$ex/$2/docker/$3.Dockerfile" "e2e/$2-$3" "${args[@]}"
}
echo '# edited by the e2e suite' >>"$ex/api/app/app.py"
if rebuild docker-api-source-edit.log api api \
  && check only-ran "$logs/docker-api-source-edit.log" '^\[final [0-9]+/[0-9]+\] COPY --chown=0:0 app /app$' \
    '^\[final [0-9]+/[0-9]+\] RUN install -d -o 10001 -g 10001 /app/tmp /app/log$'; then
  ok "cache: a source edit reran only the source layer and the directories made after it"
else
  fail "cache: a source edit reran more than the source layer"
fi
# The same assertion over the cold build, where every step ran, must fail.
if check only-ran "$logs/docker-api-api.log" '^\[final [0-9]+/[0-9]+\] COPY --chown=0:0 app /app$' \
  '^\[final [0-9]+/[0-9]+\] RUN install -d -o 10001 -g 10001 /app/tmp /app/log$' >"$work/only-ran.out"; then
  fail "cache: the layer-cache check accepts the cold build's log"
else
  ok "cache: the layer-cache check rejects the cold build's log ($(grep -c 'ran, expected from the cache' "$work/only-ran.out") steps ran)"
fi
# A comment in requirements.txt: its COPY and pip install run again. pip installs
# nothing new, the venv comes out the same, and BuildKit, which keys a COPY on its
# content, serves the venv's COPY and everything after it from the cache.
echo '# edited by the e2e suite' >>"$ex/api/requirements.txt"
if rebuild docker-api-deps-edit.log api api \
  && check only-ran "$logs/docker-api-deps-edit.log" 'COPY --chown=10001:10001 requirements.txt /app/$' \
    'pip install -r requirements.txt$'; then
  ok "cache: a requirements.txt edit reran only the dependency steps and what follows them"
else
  fail "cache: a requirements.txt edit reran more than the dependency steps"
fi
echo '# edited by the e2e suite' >>"$ex/runners/docker/runner-entrypoint.sh"
if rebuild docker-full-stack-entrypoint-edit.log runners full-stack \
  && check only-ran "$logs/docker-full-stack-entrypoint-edit.log" 'COPY --chown=0:0 --chmod=755 docker/runner-entrypoint.sh'; then
  ok "cache: an entrypoint edit reran only its COPY"
else
  fail "cache: an entrypoint edit reran more than its COPY"
fi
# A cache mount outlives the layer cache: with every layer pruned (the mounts
# kept), the dev target's apt steps run again and take the packages the first
# builds downloaded from the cache mount. (--no-cache would not show this: it
# discards cache mounts as well.)
check apt-downloads "$logs/docker-api-api-dev.log" | sed 's/^/    first dev build: /'
if "$docker" builder prune -af --filter type=regular >"$logs/prune-layers.log" 2>&1 &&
  docker_build docker-api-dev-again.log "$ex/api" "$ex/api/docker/api.Dockerfile" e2e/api-api-dev --target dev \
    "${api_args[@]}" && check apt-from-cache "$logs/docker-api-dev-again.log"; then
  ok "cache: with the layers pruned, the apt steps installed from the cache mount"
else
  fail "cache: the rerun apt steps downloaded again although the cache mount had the packages"
fi

# --- the suite can fail ------------------------------------------------------------
phase "docker: broken Dockerfiles"
api_file="$ex/api/docker/api.Dockerfile"
sed '0,/type=cache/s//type=cahce/' "$api_file" >"$ex/api/docker/broken-mount.Dockerfile"
sed 's/python3-venv/python3-venv-missing-e2e/' "$api_file" >"$ex/api/docker/broken-package.Dockerfile"
for broken in broken-mount broken-package; do
  if docker_build "docker-$broken.log" "$ex/api" "$ex/api/docker/$broken.Dockerfile" "e2e/$broken" >/dev/null; then
    fail "$broken.Dockerfile built"
  else
    ok "$broken.Dockerfile fails to build: $(grep -m1 -o -E '(unsupported mount type|E: ).*' "$logs/docker-$broken.log")"
  fi
done
# An image that builds but is wrong: root user, no health check, no APP_ENV, a
# missing label, its writable directories root's. The checks above must reject it.
sed -e '/^FROM app AS final$/,$s/^USER 10001:10001$/USER 0:0/' -e '/^HEALTHCHECK /d' -e '/^ENV APP_ENV=production$/d' \
  -e '/^FROM app AS final$/,$s|^RUN install -d -o 10001 -g 10001 /app/tmp /app/log$|RUN install -d /app/tmp /app/log|' \
  -e 's/org.opencontainers.image.title=api/org.opencontainers.image.title=other/' \
  "$api_file" >"$ex/api/docker/wrong-image.Dockerfile"
if docker_build docker-wrong-image.log "$ex/api" "$ex/api/docker/wrong-image.Dockerfile" e2e/wrong-image "${api_args[@]}"; then
  "$docker" inspect --format '{{json .Config}}' e2e/wrong-image >"$work/config.json"
  if out="$(check config "$ex/api/plan.json" api "$work/config.json")"; then
    fail "the configuration check accepted a wrong image"
  else
    printf '%s\n' "$out" | sed 's/^/    rejected: /'
    n="$(grep -c -E 'is not numeric|runs as root|no health check|environment APP_ENV|org.opencontainers.image.title' <<<"$out")"
    if [ "$n" -ge 4 ]; then ok "the configuration check rejects the wrong image ($n problems)"; else fail "the configuration check missed problems of the wrong image"; fi
  fi
  if in_container docker e2e/wrong-image "$ex/api/plan.json" api >"$work/wrong.out"; then
    fail "the in-container check accepted a wrong image"
  else
    grep FAIL "$work/wrong.out" | head -3
    ok "the in-container check rejects the wrong image"
  fi
else
  fail "wrong-image.Dockerfile did not build"
fi

# An image that leaks its build secret into a file: the secret search must find it.
# shellcheck disable=SC2016 # $BUNDLE_GEMS__EXAMPLE__COM is the build step's
sed 's|&& bundle install --jobs 4$|\&\& bundle install --jobs 4 \&\& echo "$BUNDLE_GEMS__EXAMPLE__COM" >/usr/local/bundle/.e2e-leak|' \
  "$ex/rails/docker/web.Dockerfile" >"$ex/rails/docker/leaky-secret.Dockerfile"
if ! grep -q e2e-leak "$ex/rails/docker/leaky-secret.Dockerfile"; then
  fail "leaky-secret.Dockerfile: the bundle install line was not found"
elif docker_build docker-leaky-secret.log "$ex/rails" "$ex/rails/docker/leaky-secret.Dockerfile" e2e/leaky-secret \
  "${rails_args[@]}"; then
  leaks="$(secret_leaks e2e/leaky-secret)" || leaks=""
  if grep -qx /usr/local/bundle/.e2e-leak <<<"$leaks"; then
    ok "the secret search finds a leaked build secret: $(tr '\n' ' ' <<<"$leaks")"
  else
    fail "the secret search missed the build secret leaked into /usr/local/bundle/.e2e-leak"
  fi
else
  fail "leaky-secret.Dockerfile did not build"
fi

phase "docker: done"
"$docker" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^e2e/' | sort | sed 's/^/    /'

# ==================================================================================
phase "waiting for buildah"
buildah_status=0
wait "$buildah_pid" || buildah_status=$?
buildah_pid=""
cat "$logs/buildah.log"
[ "$buildah_status" -eq 0 ] || fail "buildah: the suite stopped early (status $buildah_status)"

e2e_end
