// firewall: lets a container's forwarded traffic through the host firewall (a chained plugin).
#include "cni/spec/skel.hpp"
#include "firewall.hpp"

int main() {
  return cni::plugin_main({"firewall", "accepts a container's forwarded traffic (nftables; the reference's iptables chains)"},
                          firewall::callbacks());
}
