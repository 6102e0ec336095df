#!/usr/bin/env bash
# clang-tidy over libcni's sources (every layer: libcni/<layer>/src/*.cpp) with the checks in
# .clang-tidy (which explains the choice); every finding is an error. Needs a configured
# build (compile_commands.json); defaults to build/, or pass another: scripts/tidy.sh
# build-asan. Extra arguments after the build dir restrict the files, e.g.
# scripts/tidy.sh build libcni/spec/src/config.cpp
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
[[ -f $build/compile_commands.json ]] || { echo "tidy: no $build/compile_commands.json; build first" >&2; exit 1; }

if (($#)); then files=("$@"); else files=("$root"/libcni/*/src/*.cpp); fi
# The compile commands carry g++-only warning flags (-Wno-restrict); clang must not trip on them.
# clang-tidy's "N warnings generated" counts (system headers, filtered anyway) are noise.
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet --use-color=false \
    --extra-arg=-Wno-unknown-warning-option 2>&1 |
  { grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' || true; }
echo "tidy: ${#files[@]} files clean"
