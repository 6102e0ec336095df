#!/usr/bin/env bash
# The README's test command (CI runs it through .ci/run). Installs dependencies, checks
# libcni's layer rules on the sources (scripts/check-layers; ctest checks the links too), then:
#   1. build/       (RelWithDebInfo, g++): clang-tidy over libcni (scripts/tidy.sh), then
#                   every tier: unit, integration (root, netns, hostile input), interop
#                   (against Debian's reference plugins), kernel-vm (user-mode-linux where the
#                   running kernel lacks ipvlan/dummy/802.1Q), and the fuzz seed corpora replayed;
#                   then the package tier (tests/package/run.sh: the .deb built, linted,
#                   installed, the demo run with the installed binaries, removed);
#   2. build-asan/  (ASan + UBSan): the same tiers except kernel-vm (ASan binaries do not fit
#                   UML's address space; the VM tier is about the kernel, not memory safety).
#                   It builds libcni, the binaries, the unit tier and the fuzz replays; the
#                   integration and interop tiers run build/'s drivers against build-asan/'s
#                   binaries (CNIPP_TEST_BIN_DIR): the drivers only exec what they test, and
#                   building them twice was a third of the command's time;
#   3. build-fuzz/  (clang, libFuzzer + ASan + UBSan): each fuzz target for FUZZ_SECONDS
#                   (default 10) from its seed corpus (scripts/fuzz.sh).
# Any failure, finding or crash fails the command. Needs root. Extra arguments go to both
# ctest runs (e.g. -R host-local).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
step() { echo "== $1 (at $((SECONDS / 60))m$((SECONDS % 60))s)"; }

step "libcni's layer rules (scripts/check-layers)"
"$root/scripts/check-layers"
step "build (RelWithDebInfo)"
BUILD_DIR=$root/build "$root/scripts/build.sh"
step "clang-tidy on libcni"
"$root/scripts/tidy.sh" "$root/build"
step "tests"
(cd "$root/build" && ctest --output-on-failure -j2 "$@")
step "package: build the .deb, lintian, install, demo with the installed binaries, remove"
BUILD_DIR=$root/build "$root/tests/package/run.sh"

step "build (ASan + UBSan)"
BUILD_DIR=$root/build-asan "$root/scripts/build.sh" -DCNIPP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
step "tests under ASan + UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
(cd "$root/build-asan" && ctest --output-on-failure -j2 -LE kernel-vm "$@")
(cd "$root/build" && CNIPP_TEST_BIN_DIR=$root/build-asan/bin CNIPP_TEST_SANITIZED=1 \
  ctest --output-on-failure -j2 -L '^(integration|interop)$' "$@")
unset ASAN_OPTIONS UBSAN_OPTIONS

step "fuzz (libFuzzer, ${FUZZ_SECONDS:-10} s per target)"
"$root/scripts/fuzz.sh"
step "all passed"
