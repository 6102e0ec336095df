#!/usr/bin/env bash
# The package tier (run by scripts/test.sh after the other tiers): builds the .deb, checks
# that no file in it belongs to another installed package (Debian's
# containernetworking-plugins in particular), installs it, runs the demo's attach / ping /
# check / teardown with the installed binaries and examples only, removes it and checks that
# nothing of it is left; then `cmake --install` to a prefix. The package is removed again
# whatever fails. Needs root.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build}
fail() { echo "package test: $*" >&2; exit 1; }

"$root/scripts/package.sh"
deb=$(ls "$root"/dist/cnipp_*.deb)

cleanup() { dpkg -P cnipp >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup

# Files of the package (not directories), as they will sit on the system.
mapfile -t files < <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}')
((${#files[@]} > 20)) || fail "only ${#files[@]} files in $deb"
for f in "${files[@]}"; do
  if owner=$(dpkg -S "$f" 2>/dev/null); then fail "$f already belongs to: $owner"; fi
  [[ -e $f ]] && fail "$f exists before the install"
done
echo "package test: ${#files[@]} files, none owned by another package"

export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" >/dev/null || fail "apt-get install $deb"
for f in "${files[@]}"; do [[ -e $f ]] || fail "$f missing after the install"; done
dpkg -s containernetworking-plugins >/dev/null 2>&1 && [[ -x /usr/lib/cni/bridge ]] &&
  echo "package test: installed beside containernetworking-plugins, /usr/lib/cni untouched"

# The demo, with what the package installed and nothing from the source tree's build.
CNIPP_DEMO_BIN=/usr/lib/cnipp CNIPP_DEMO_CNITOOL=/usr/bin/cnitool \
  CNIPP_DEMO_CONF=/usr/share/doc/cnipp/examples/cni "$root/scripts/demo.sh" || fail "demo with the installed binaries"
/usr/sbin/cnipp-overlayd --help >/dev/null || fail "cnipp-overlayd --help"
/usr/sbin/cnipp-overlayctl --help >/dev/null || fail "cnipp-overlayctl --help"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /usr/lib/systemd/system/cnipp-overlayd@.service 2>&1 | grep -v "^$" || true
fi

dpkg -r cnipp >/dev/null || fail "dpkg -r"
for f in "${files[@]}"; do [[ -e $f ]] && fail "$f left after dpkg -r"; done
[[ -e /usr/lib/cnipp ]] && fail "/usr/lib/cnipp left after dpkg -r"
dpkg -P cnipp >/dev/null || fail "dpkg -P"
echo "package test: removed, nothing left"

# cmake --install to a prefix, for people who do not use Debian.
prefix=$(mktemp -d /tmp/cnipp-prefix.XXXXXX)
trap 'cleanup; rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/cnitool lib/cnipp/bridge lib/cnipp/portmap sbin/cnipp-overlayd share/doc/cnipp/examples/cni/00-cnipp-demo.conflist \
         lib/systemd/system/cnipp-overlayd@.service share/doc/cnipp/copyright; do
  [[ -e $prefix/$f ]] || fail "cmake --install: $f missing under $prefix"
done
echo "package test: cmake --install to a prefix works"
echo "package test: OK"
