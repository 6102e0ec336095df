// bridge: attaches containers to a Linux bridge through veth pairs.
#include "bridge.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/spec/skel.hpp"
#include "host_local.hpp"

int main() {
  // host-local, the IPAM almost every bridge network uses, runs in this process when
  // CNI_PATH's host-local is this build's: one exec fewer per ADD and DEL.
  cni::register_builtin("host-local", hostlocal::callbacks());
  return cni::plugin_main({"bridge", "attaches containers to a Linux bridge through veth pairs"}, bridge::callbacks());
}
