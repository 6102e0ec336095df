#!/usr/bin/env bash
# Short libFuzzer run over every parser of hostile input (tests/fuzz/<target>.cpp).
# Builds build-fuzz/ with clang (libFuzzer + ASan + UBSan; only libcni, the plugin config
# libraries and the targets), then runs each target for FUZZ_SECONDS (default 10) from its
# seed corpus in tests/fuzz/corpus/<target>/, two at a time. Inputs libFuzzer adds go to
# build-fuzz/corpus/<target>/, never into the repository. A crash, sanitizer report, leak,
# hang (>10 s on one input) or violated property fails the script and leaves the input in
# build-fuzz/artifacts/; add it to the seed corpus with the fix, so every build replays it.
#   scripts/fuzz.sh                          all targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh result  one target, longer
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-10}
jobs=${FUZZ_JOBS:-$(nproc)}

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCNIPP_FUZZ=ON -DCNIPP_STATIC=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target fuzzers

targets=("$@")
if ((${#targets[@]} == 0)); then
  for src in "$root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$src")"); done
fi

# One target: its own log; prints "fuzz <target>: Done N runs in S second(s)" or the failure.
fuzz_one() {
  local t=$1 log=$build/logs/$1.log
  mkdir -p "$build/corpus/$t" "$build/artifacts" "$build/logs"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -max_len=16384 \
      -artifact_prefix="$build/artifacts/$t-" -print_final_stats=0 \
      "$build/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz $t: $(grep -o 'Done [0-9]* runs.*' "$log" || echo 'finished without a summary')"
  else
    echo "fuzz $t: FAILED (log $log)"
    grep -E -A30 'ERROR|runtime error|violated|terminate' "$log" | head -60
    touch "$build/logs/$t.failed"
  fi
}

rm -f "$build"/logs/*.failed
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  fuzz_one "$t" &
done
wait
! compgen -G "$build/logs/*.failed" >/dev/null
