#!/usr/bin/env bash
# The README's first command: builds what it runs (cnitool, bridge, host-local) and shows
# cnipp's main job. Two "containers" (network namespaces) are attached to a bridge network
# by our bridge + host-local plugins, driven by our cnitool from conf-examples/cni, ping each
# other, and are torn down with nothing left.
# Everything happens inside a throw-away "host" namespace, so the real host is untouched.
# CNIPP_DEMO_BIN (plugins), CNIPP_DEMO_CNITOOL and CNIPP_DEMO_CONF (conflists) run it against
# installed binaries instead of a fresh build (the package test does).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${CNIPP_DEMO_BIN:-} ]]; then
  "$root/scripts/setup.sh"
  # Only what the demo runs: cnitool and the plugins its conflist names (bridge, host-local),
  # not the test suite, the benchmark or the overlay daemon.
  plugins=$(grep -o '"type": *"[^"]*"' "$root/conf-examples/cni/00-cnipp-demo.conflist" | cut -d'"' -f4 | sort -u)
  BUILD_TARGETS="cnitool $(echo $plugins)" "$root/scripts/build.sh" >/dev/null
fi
bin=${CNIPP_DEMO_BIN:-$root/build/bin}
tool=${CNIPP_DEMO_CNITOOL:-$bin/cnitool}
confdir=${CNIPP_DEMO_CONF:-$root/conf-examples/cni}

host=cnipp-demo-host
ctrs=(cnipp-demo-a cnipp-demo-b)
state=$(mktemp -d /tmp/cnipp-demo.XXXXXX)
cleanup() {
  for n in "${ctrs[@]}" "$host"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$state" /run/cnipp-demo
}
trap cleanup EXIT
cleanup
state=$(mktemp -d /tmp/cnipp-demo.XXXXXX)
for n in "$host" "${ctrs[@]}"; do ip netns add "$n"; done

# cnitool runs in the demo host namespace, exactly as a runtime would run it on a host.
cnitool() {
  ip netns exec "$host" env NETCONFPATH="$confdir" CNI_PATH="$bin" \
    "$tool" --cache-dir "$state/cache" "$@"
}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "networks cnitool finds in conf-examples/cni"
cnitool list

declare -A addr
for c in "${ctrs[@]}"; do
  say "cnitool add cnipp-demo /var/run/netns/$c"
  out=$(cnitool add cnipp-demo "/var/run/netns/$c")
  echo "$out"
  addr[$c]=$(echo "$out" | sed -n 's/.*"address": "\(10\.[0-9.]*\)\/.*/\1/p' | head -1)
done

say "the kernel's view inside ${ctrs[0]}"
ip -n "${ctrs[0]}" -br addr show dev eth0
ip -n "${ctrs[0]}" route show

say "${ctrs[0]} pings ${ctrs[1]} (${addr[${ctrs[1]}]}) and the gateway"
ip netns exec "${ctrs[0]}" ping -c 2 -W 2 "${addr[${ctrs[1]}]}"
ip netns exec "${ctrs[0]}" ping -c 1 -W 2 10.244.100.1

say "cnitool check, then del"
for c in "${ctrs[@]}"; do
  cnitool check cnipp-demo "/var/run/netns/$c" && echo "check $c: ok"
  cnitool del cnipp-demo "/var/run/netns/$c" && echo "del $c: ok"
done

say "nothing left behind"
leftover=0
veths=$(ip -n "$host" -o link show type veth | wc -l)
leases=$(find /run/cnipp-demo/networks/cnipp-demo -type f ! -name lock ! -name 'last_reserved_ip.*' | wc -l)
rules=$(ip netns exec "$host" nft list chain inet cni_plugins_masquerade masq_checks | grep -c "masquerade comment" || true)
caches=$(find "$state/cache" -type f | wc -l)
echo "veths on the host: $veths, leases: $leases, masquerade rules: $rules, cache files: $caches"
[ "$veths" -eq 0 ] && [ "$leases" -eq 0 ] && [ "$rules" -eq 0 ] && [ "$caches" -eq 0 ] || leftover=1
[ "$leftover" -eq 0 ] && echo "demo: OK" || { echo "demo: something was left behind" >&2; exit 1; }
