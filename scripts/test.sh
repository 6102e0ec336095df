#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test tier
# (unit, integration, interop, kernel-vm, fuzz smoke) with ctest. Needs root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
BUILD_DIR=$root/build "$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j2 "$@"
