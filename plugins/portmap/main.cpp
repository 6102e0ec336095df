// portmap: forwards host ports to a container (a chained plugin after bridge, ptp, ...).
#include "cni/spec/skel.hpp"
#include "portmap.hpp"

int main() {
  return cni::plugin_main({"portmap", "forwards host ports to the container (nftables; iptables on request)"},
                          portmap::callbacks());
}
