#!/usr/bin/env bash
# Fuzzes the whole pipeline (fuzz/fuzz_pipeline.cpp) with libFuzzer for a while.
#
#   fuzz/run.sh [SECONDS] [JOBS]        default: 600 seconds, 1 job
#
# Builds build-fuzz/ with clang and -DRIGC_FUZZ=ON (ASan, UBSan, coverage), seeds
# the corpus with every spec in the repository (examples, stock packs, golden and
# error cases) and the regression corpus, and runs in fork mode with the
# dictionary, a per-input timeout and a memory limit, carrying on after a finding.
# The corpus stays in build-fuzz/corpus/, so coverage grows from run to run.
# Every input that crashes, hangs, leaks, runs out of memory or breaks a property
# is saved in build-fuzz/findings/: fix the cause, then copy the input into
# fuzz/regression/ (named for what it found) so the fuzz-regression test replays it.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-600}"
jobs="${2:-1}"
build="${RIGC_FUZZ_BUILD_DIR:-$root/build-fuzz}"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DRIGC_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" --target rigc_fuzz >/dev/null

corpus="$build/corpus"
seeds="$build/seeds"
findings="$build/findings"
mkdir -p "$corpus" "$findings"
rm -rf "$seeds"
mkdir -p "$seeds"
for f in "$root"/examples/*/Rigfile "$root"/packs/*.rig "$root"/tests/golden/*/Rigfile \
  "$root"/tests/errors/*.rig "$root"/fuzz/regression/*; do
  [ -f "$f" ] || continue
  relative="${f#"$root"/}"
  cp "$f" "$seeds/${relative//\//_}"
done

log="$build/fuzz-$(date +%Y%m%d-%H%M%S).log"
echo "fuzzing for ${seconds}s with ${jobs} job(s); log: $log"
status=0
TIMEFORMAT="fuzzer CPU time: %U s user + %S s system in %R s"
{ time { (cd "$build" && ./rigc_fuzz -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 \
  -ignore_ooms=1 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -dict="$root/fuzz/rig.dict" -artifact_prefix="$findings/" -print_final_stats=1 \
  "$corpus" "$seeds") >"$log" 2>&1 || status=$?; }; } 2>"$build/cpu-time.txt"

# The last stats line: executions, coverage (cov: edges, ft: features), corpus, findings.
grep -E '^#[0-9]+: ' "$log" | tail -n 1 || true
cat "$build/cpu-time.txt"
grep -E 'stat::' "$log" || true
count=$(find "$findings" -type f | wc -l)
echo "findings in $findings: $count"
find "$findings" -type f -newer "$seeds" -printf '  %f\n' | sort
exit "$status"
