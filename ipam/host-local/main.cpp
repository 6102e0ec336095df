// host-local IPAM: hands out addresses from configured ranges and remembers them as files
// under <dataDir>/<network>, in the reference plugin's exact format.
#include "cni/spec/skel.hpp"
#include "host_local.hpp"

int main() {
  return cni::plugin_main({"host-local", "host-local IPAM: allocates addresses from ranges, leases under dataDir"},
                          hostlocal::callbacks());
}
