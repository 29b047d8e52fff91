#!/usr/bin/env bash
# End-to-end: a runner scale set's pod, as ARC would start it, run for real.
#
#   arc_pod.sh RIGC SOURCE_DIR CACHE_DIR
#
# Compiles a spec with a scale-set pool (tests/e2e/arc/Rigfile), builds its image
# with dockerd 20.10's BuildKit on the Debian 12 base of rootfs.sh (the Actions
# runner is the runner stand-in of tests/github/, served on 127.0.0.1 through
# the gh-runner pack's mirror ARG with its own checksum), loads it into podman
# 4.3, and renders the pool's values file the way the gha-runner-scale-set chart
# and the controller do (tests/validators/arc_chart.py) into the runner Pod, with
# a JIT configuration from the local fake GitHub (tests/github/fake_github.py) in
# ACTIONS_RUNNER_INPUT_JITCONFIG. `podman kube play` runs that Pod; the runner
# starts from its JIT configuration, takes one job as its non-root user (the job
# checks its uid, its environment and the cache volume), exits 0, and is gone
# from the API. `podman inspect` shows the pod's limits, user and cache volume as
# the values file says them. Self-checks: a job that the checks must reject
# (root) is rejected, and a Pod without the JIT configuration does not register.
# dockerd, podman's storage and the fake GitHub are this script's own, each
# stopped by its PID; CACHE_DIR keeps the base root file system.
set -euo pipefail
rigc="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
src="$(cd "$2" && pwd)"
cache="$(mkdir -p "$3" && cd "$3" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
docker=/usr/bin/docker
export NO_COLOR=1

for tool in dockerd "$docker" podman runc catatonit debootstrap python3 curl jq openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool (./test.sh installs it)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/rigc-arc-e2e.XXXXXX")"
http_pid=""
fake_pid=""
pod_file=""
pm=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver vfs --runtime runc
  --cgroup-manager cgroupfs --events-backend file --tmpdir "$work/podman/tmp")
printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"

cleanup() {
  local status=$?
  set +e
  if [ -n "$pod_file" ]; then "${pm[@]}" kube down "$pod_file" >/dev/null 2>&1; fi
  "${pm[@]}" pod rm --all --force >/dev/null 2>&1
  "${pm[@]}" volume rm --all --force >/dev/null 2>&1
  for pid in "$fake_pid" "$http_pid"; do
    if [ -n "$pid" ]; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  "$src/tests/validators/dockerd.sh" stop "$work/engine"
  findmnt -rn -o TARGET | grep -F "$work/" | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
phase() { echo "== $* (at ${SECONDS}s)"; }
show_tail() { tail -n "${2:-20}" "$1" | sed 's/^/    /'; }

# --- the base image and the runner stand-in, served on 127.0.0.1 -----------------------
phase "base root file system"
rootfs_tar="$cache/debian-bookworm-minbase-slim.tar"
"$here/rootfs.sh" "$rootfs_tar" >"$work/rootfs.log" 2>&1 || { show_tail "$work/rootfs.log"; exit 1; }
version="$(sed -n 's/^  version //p' "$src/packs/gh-runner.rig")"
www="$work/www"
mkdir -p "$www/gh-runner/v$version" "$work/packs"
archive="$www/gh-runner/v$version/actions-runner-linux-x64-$version.tar.gz"
tar --owner=0 --group=0 -C "$src/tests/github/runner-standin" -czf "$archive" .
sum="$(sha256sum "$archive" | cut -d' ' -f1)"
# The stock gh-runner pack with only its checksum replaced: the install steps
# under test are the stock ones.
sed -e "s/^  versions .*/  versions $version/" -e '/^  sha256 /d' \
  -e "s/^  fetch /  sha256 $version amd64 $sum\\n  fetch /" "$src/packs/gh-runner.rig" >"$work/packs/gh-runner.rig"
python3 -u -m http.server --bind 127.0.0.1 0 --directory "$www" >"$work/http.log" 2>&1 &
http_pid=$!
port=""
for _ in $(seq 1 50); do
  port="$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' "$work/http.log")"
  [ -n "$port" ] && break
  sleep 0.2
done
[ -n "$port" ] || { echo "the HTTP server did not start" >&2; exit 1; }

# --- compile and build ----------------------------------------------------------------
phase "compile"
spec_dir="$work/spec"
mkdir -p "$spec_dir"
cp "$here/arc/Rigfile" "$spec_dir/"
"$rigc" build "$spec_dir/Rigfile" --pack-path "$work/packs" >/dev/null
"$rigc" plan --format json "$spec_dir/Rigfile" --pack-path "$work/packs" >"$work/plan.json"
values="$spec_dir/docker/arc/arc.values.yaml"
[ -f "$values" ] || { echo "no values file: $values" >&2; exit 1; }
ref="$(jq -r '.images[] | select(.name == "arc") | .image' "$work/plan.json")"

phase "dockerd: build $ref"
"$src/tests/validators/dockerd.sh" start "$work/engine"
export DOCKER_HOST="unix://$work/engine/docker.sock"
"$docker" import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["bash"]' "$rootfs_tar" debian:bookworm-slim >/dev/null
if DOCKER_BUILDKIT=1 "$docker" build --network=host --progress=plain -f "$spec_dir/docker/arc.Dockerfile" \
  --build-arg "GH_RUNNER_MIRROR=http://127.0.0.1:$port/gh-runner" -t "$ref" "$spec_dir" >"$work/build.log" 2>&1; then
  ok "the scale-set pool's image built"
else
  show_tail "$work/build.log"
  fail "the image did not build"
  exit 1
fi
mkdir -p "$work/podman/tmp"
"$docker" save "$ref" | "${pm[@]}" load >"$work/load.log" 2>&1
"$src/tests/validators/dockerd.sh" stop "$work/engine"
ok "loaded into podman as $ref"

# --- the fake GitHub --------------------------------------------------------------------
phase "fake GitHub"
pat="ghp_arc_e2e_$RANDOM$RANDOM"
/usr/bin/python3 "$src/tests/github/fake_github.py" --port-file "$work/fake.port" --pid-file "$work/fake.pid" \
  --pat "$pat" --poll-seconds 1 >"$work/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 1 100); do [ -s "$work/fake.port" ] && break; sleep 0.1; done
[ -s "$work/fake.port" ] || { show_tail "$work/fake.log"; exit 1; }
api="http://127.0.0.1:$(cat "$work/fake.port")"
gh() { # METHOD PATH [BODY]
  curl -fsS -X "$1" -H "Authorization: Bearer $pat" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} "$api$2"
}
scale_set="$(jq -r '.images[] | select(.name == "arc") | .scale_set.name' "$work/plan.json")"

# render NAME JIT OUT: the runner Pod the chart and the controller make of the
# values file, with JIT inline (podman has no Secret to read it from) and host
# networking (this machine has no other network to reach the fake on 127.0.0.1).
render() {
  python3 - "$values" "$1" "$2" "$3" <<'PY'
import json, os, sys, yaml
sys.path.insert(0, os.environ["ARC_VALIDATORS"])
import arc_chart
values = yaml.safe_load(open(sys.argv[1]))
ars = arc_chart.render(values, values["runnerScaleSetName"])
pod = arc_chart.runner_pod(ars, sys.argv[2], sys.argv[3] or None)
if not sys.argv[3]:  # no JIT configuration at all
    for c in pod["spec"]["containers"]:
        c["env"] = [e for e in c.get("env", []) if e["name"] != "ACTIONS_RUNNER_INPUT_JITCONFIG"]
pod["spec"]["hostNetwork"] = True
# podman 4.3 knows neither native sidecars nor fsGroupChangePolicy: none here.
json.dump(pod, open(sys.argv[4], "w"), indent=1)
PY
}
export ARC_VALIDATORS="$src/tests/validators"

# inspect_field CONTAINER GO-TEMPLATE
inspect_field() { "${pm[@]}" inspect --format "$2" "$1"; }

# wait_exit CONTAINER SECONDS: the container's exit code once it has stopped
wait_exit() {
  local state
  for _ in $(seq 1 $(($2 * 2))); do
    state="$(inspect_field "$1" '{{.State.Status}}' 2>/dev/null || echo gone)"
    case "$state" in exited | stopped | gone) break ;; esac
    sleep 0.5
  done
  inspect_field "$1" '{{.State.ExitCode}}'
}

# --- the pod, from its JIT configuration -------------------------------------------------
phase "pod"
runner_name="$scale_set-e2e-runner-$RANDOM"
jit="$(gh POST /orgs/octo-org/actions/runners/generate-jitconfig \
  "$(jq -n --arg n "$runner_name" --arg l "$scale_set" '{name: $n, runner_group_id: 1, labels: [$l], work_folder: "_work"}')" |
  jq -r .encoded_jit_config)"
if [ -z "$jit" ] || [ "$jit" = null ]; then
  echo "no JIT configuration from the fake" >&2
  exit 1
fi
pod_file="$work/pod.json"
render "$runner_name" "$jit" "$pod_file"
# The cache claim, as a user creates the PersistentVolumeClaim (podman: a volume).
claim="$(jq -r '.spec.volumes[] | select(.persistentVolumeClaim) | .persistentVolumeClaim.claimName' "$pod_file" | head -1)"
"${pm[@]}" volume create "$claim" >/dev/null
# The job: who it runs as, what it sees, and the cache volume, writable.
cache_path="$(jq -r '.images[] | select(.name == "arc") | .caches[0].path' "$work/plan.json")"
# shellcheck disable=SC2016 # the job's shell expands it
job_script='set -e
echo "uid=$(id -u) gid=$(id -g) user=$(id -un)"
echo "jit=${ACTIONS_RUNNER_INPUT_JITCONFIG:-unset}"
echo "agent=${GITHUB_ACTIONS_RUNNER_EXTRA_USER_AGENT:-unset}"
test "$(id -u)" != 0
echo job > "'"$cache_path"'/written-by-job"
stat -c "cache owner=%u" "'"$cache_path"'"
if grep -rqs "'"${jit:0:40}"'" /proc/[0-9]*/environ /opt/actions-runner/.runner 2>/dev/null; then echo "jit-visible=yes"; else echo "jit-visible=no"; fi'
job="$(curl -fsS -X POST -H 'Content-Type: application/json' "$api/_fake/jobs" \
  --data "$(jq -n --arg s "$job_script" --arg l "$scale_set" '{labels: [$l], script: $s, repository: "octo-org/octo-repo", name: "arc-e2e"}')" | jq -r .id)"
if "${pm[@]}" kube play "$pod_file" >"$work/play.log" 2>&1; then
  ok "podman kube play started the runner Pod"
else
  show_tail "$work/play.log"
  fail "podman kube play"
  exit 1
fi
container="$runner_name-runner"
for _ in $(seq 1 240); do
  status="$(curl -fsS "$api/_fake/jobs/$job" | jq -r .status)"
  [ "$status" = completed ] && break
  sleep 0.5
done
"${pm[@]}" logs "$container" >"$work/runner.log" 2>&1 || true
job_json="$(curl -fsS "$api/_fake/jobs/$job")"
output="$(jq -r .output <<<"$job_json")"
if [ "$(jq -r .result <<<"$job_json")" = Succeeded ] && [ "$(jq -r .runner_name <<<"$job_json")" = "$runner_name" ]; then
  ok "the runner took the job from its JIT configuration: $(jq -r .runner_name <<<"$job_json")"
else
  fail "the job: $(jq -c '{status, result, runner_name}' <<<"$job_json")"
  show_tail "$work/runner.log" 40
fi
uid="$(jq -r '.images[] | select(.name == "arc") | .user.uid' "$work/plan.json")"
gid="$(jq -r '.images[] | select(.name == "arc") | .user.gid' "$work/plan.json")"
expect_output() { # TEXT WHAT
  if grep -qF -- "$1" <<<"$output"; then ok "$2"; else fail "$2: '$1' not in the job's output: $output"; fi
}
expect_output "uid=$uid gid=$gid user=runner" "the job ran as the runner user ($uid:$gid), not root"
expect_output "jit=unset" "the job does not see ACTIONS_RUNNER_INPUT_JITCONFIG"
expect_output "jit-visible=no" "the JIT configuration is in no process environment the job can read"
expect_output "agent=actions-runner-controller/" "the runner passes ARC's user agent on"
expect_output "cache owner=$uid" "the cache volume is the runner user's"
code="$(wait_exit "$container" 60)"
if [ "$code" = 0 ]; then ok "the runner container exited 0 after its one job"; else fail "the runner container exited $code"; show_tail "$work/runner.log" 30; fi
if grep -q 'started as uid' "$work/runner.log" && grep -q 'credential: a JIT configuration' "$work/runner.log"; then
  ok "the entrypoint started as uid $uid with the JIT configuration (no RUNNER_URL)"
else
  fail "the entrypoint's log: $(tail -5 "$work/runner.log")"
fi
left="$(gh GET "/orgs/octo-org/actions/runners?name=$runner_name" | jq -r .total_count)"
if [ "$left" = 0 ]; then ok "the runner is gone from the API"; else fail "the runner is still registered ($left)"; fi
# The cache volume kept what the job wrote (a claim outlives the pod).
if "${pm[@]}" run --rm --network=host -v "$claim:/c" --entrypoint /bin/cat "$ref" /c/written-by-job 2>/dev/null | grep -qx job; then
  ok "the cache claim $claim kept the job's file"
else
  fail "the cache claim $claim lost the job's file"
fi

# --- the pod as the values file declares it ------------------------------------------------
phase "podman inspect"
want="$(python3 - "$values" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
c = next(c for c in v["template"]["spec"]["containers"] if c["name"] == "runner")
def mem(q):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
    for u, f in units.items():
        if q.endswith(u):
            return int(float(q[:-2]) * f)
    return int(q)
def cpu(q):
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)
r = c["resources"]
sc = c["securityContext"]
m = [f'{x["name"]}:{x["mountPath"]}' for x in c.get("volumeMounts", [])]
print(mem(r["limits"]["memory"]), cpu(r["limits"]["cpu"]), mem(r["requests"]["memory"]), cpu(r["requests"]["cpu"]),
      f'{sc["runAsUser"]}:{sc["runAsGroup"]}', " ".join(m))
PY
)"
read -r want_mem want_cpu want_mem_req want_cpu_req want_user want_mounts <<<"$want"
got_mem="$(inspect_field "$container" '{{.HostConfig.Memory}}')"
got_quota="$(inspect_field "$container" '{{.HostConfig.CpuQuota}}')"
got_period="$(inspect_field "$container" '{{.HostConfig.CpuPeriod}}')"
got_user="$(inspect_field "$container" '{{.Config.User}}')"
got_mem_req="$(inspect_field "$container" '{{.HostConfig.MemoryReservation}}')"
got_shares="$(inspect_field "$container" '{{.HostConfig.CpuShares}}')"
if [ "$got_mem" = "$want_mem" ]; then ok "memory limit $got_mem bytes, as the values file says"; else fail "memory limit $got_mem, the values file says $want_mem"; fi
if [ "$got_period" -gt 0 ] && [ $((got_quota * 1000 / got_period)) = "$want_cpu" ]; then
  ok "CPU limit ${want_cpu}m (quota $got_quota / period $got_period), as the values file says"
else
  fail "CPU limit: quota $got_quota period $got_period, the values file says ${want_cpu}m"
fi
# Requests: podman 4.3 maps the memory request to a memory reservation; it has no
# equivalent of a CPU request (no shares are set), so only the memory one shows.
if [ "$got_mem_req" = "$want_mem_req" ]; then ok "memory request $got_mem_req bytes"; else fail "memory request $got_mem_req, the values file says $want_mem_req"; fi
echo "   (CPU request ${want_cpu_req}m: podman 4.3 sets no CPU shares for it; shares $got_shares)"
if [ "$got_user" = "$want_user" ]; then ok "runs as $got_user, the values file's runAsUser:runAsGroup"; else fail "user $got_user, the values file says $want_user"; fi
if [ "$(inspect_field "$container" '{{.HostConfig.SecurityOpt}}')" = "[no-new-privileges]" ]; then
  ok "no new privileges (allowPrivilegeEscalation: false)"
else
  fail "security options: $(inspect_field "$container" '{{.HostConfig.SecurityOpt}}')"
fi
mounts="$(inspect_field "$container" '{{range .Mounts}}{{.Name}}:{{.Destination}} {{end}}')"
for m in $want_mounts; do
  volume="${m%%:*}"
  path="${m#*:}"
  claim_of="$(jq -r --arg v "$volume" '.spec.volumes[] | select(.name == $v) | .persistentVolumeClaim.claimName' "$pod_file")"
  if grep -qF "$claim_of:$path " <<<"$mounts "; then ok "volume $volume is the claim $claim_of at $path"; else fail "volume $volume ($claim_of at $path) not in the mounts: $mounts"; fi
done
"${pm[@]}" kube down "$pod_file" >/dev/null 2>&1 || true

# --- self-checks: the checks above can fail ------------------------------------------------
phase "self-checks"
# Without the JIT configuration (ARC always gives one): nothing registers, the
# entrypoint refuses.
runner2="$scale_set-e2e-nojit-$RANDOM"
render "$runner2" "" "$work/pod-nojit.json"
pod_file="$work/pod-nojit.json"
jq '.spec.containers[0].env += [{"name": "RUNNER_FATAL_DELAY", "value": "0"}]' "$pod_file" >"$pod_file.tmp" && mv "$pod_file.tmp" "$pod_file"
"${pm[@]}" kube play "$pod_file" >/dev/null 2>&1 || true
code="$(wait_exit "$runner2-runner" 60)"
"${pm[@]}" logs "$runner2-runner" >"$work/nojit.log" 2>&1 || true
if [ "$code" != 0 ] && grep -q 'RUNNER_URL is not set' "$work/nojit.log"; then
  ok "self-check: a Pod without a JIT configuration fails (exit $code: RUNNER_URL is not set)"
else
  fail "self-check: a Pod without a JIT configuration exited $code: $(tail -3 "$work/nojit.log")"
fi
"${pm[@]}" kube down "$pod_file" >/dev/null 2>&1 || true
# The job's own check refuses root: the same script as uid 0 fails.
# shellcheck disable=SC2016 # the container's shell expands it
if "${pm[@]}" run --rm --network=host --user 0:0 --entrypoint /bin/bash "$ref" -c 'test "$(id -u)" != 0' 2>/dev/null; then
  fail "self-check: the uid check passed as root"
else
  ok "self-check: the job's uid check fails as root"
fi

phase "done"
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
