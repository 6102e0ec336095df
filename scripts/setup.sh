#!/usr/bin/env bash
# Installs what cnipp needs to build and test on Debian 12. Safe to run again: it only
# installs packages that are missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-tidy
  nlohmann-json3-dev libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev libcli11-dev catch2
  iproute2 nftables iptables procps iputils-ping
  containernetworking-plugins golang-github-appc-cni-dev
  user-mode-linux kmod
  hyperfine lld
  lintian help2man gnuplot-nox
  zookeeper libzookeeper-mt-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: need root to install: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all packages present"
fi
