// vrf: puts the container interface into a VRF inside the container (a chained plugin).
#include "cni/spec/skel.hpp"
#include "vrf.hpp"

int main() {
  return cni::plugin_main({"vrf", "enslaves the container interface to a VRF in its namespace"}, vrf::callbacks());
}
