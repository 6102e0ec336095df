#!/usr/bin/env bash
# Builds the Debian package into dist/ from the normal build (build/, or $BUILD_DIR; built
# first if needed) with CPack, then runs lintian on it: any lintian error fails the script.
#   scripts/package.sh            -> dist/cnipp_<version>_amd64.deb
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
BUILD_DIR=$build "$root/scripts/build.sh" >/dev/null
rm -rf "$root/dist"
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$root"/dist/cnipp_*.deb)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Depends Recommends Suggests | sed 's/^/  /'
# Errors fail; warnings and notes are printed for whoever reads the log.
lintian --tag-display-limit 0 "$deb" 2>&1 | { grep -v "running with root privileges" || true; } |
  tee "$root/dist/lintian.txt"
if grep -q '^E: ' "$root/dist/lintian.txt"; then
  echo "package: lintian reports errors" >&2
  exit 1
fi
echo "package: lintian has no error"
