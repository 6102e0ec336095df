#!/usr/bin/env bash
# The README's test command: installs dependencies, then builds and runs every tier twice:
#   1. build/       (RelWithDebInfo): unit, integration (root, netns), interop (against
#                   Debian's reference plugins) and kernel-vm (user-mode-linux where the
#                   running kernel lacks ipvlan/dummy/802.1Q);
#   2. build-asan/  (ASan + UBSan): the same tiers except kernel-vm (ASan binaries do not fit
#                   UML's address space; the VM tier is about the kernel, not memory safety).
# Needs root. Extra arguments go to both ctest runs (e.g. -R host-local).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"

echo "== build (RelWithDebInfo)"
BUILD_DIR=$root/build "$root/scripts/build.sh"
echo "== tests"
(cd "$root/build" && ctest --output-on-failure -j2 "$@")

echo "== build (ASan + UBSan)"
BUILD_DIR=$root/build-asan "$root/scripts/build.sh" -DCNIPP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
echo "== tests under ASan + UBSan"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j2 -LE kernel-vm "$@")
