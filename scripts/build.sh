#!/usr/bin/env bash
# Configures and builds cnipp into build/ (or $BUILD_DIR). Extra args go to cmake.
# BUILD_TARGETS="a b ..." builds only those targets and what they need (the demo's plugins
# and cnitool, say), not the whole tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja "$@" >/dev/null
# shellcheck disable=SC2086  # one word per target
cmake --build "$build" ${BUILD_TARGETS:+--target $BUILD_TARGETS}
