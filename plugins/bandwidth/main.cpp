// bandwidth: rate-limits a container's traffic with TBF qdiscs (a chained plugin).
#include "bandwidth.hpp"
#include "cni/spec/skel.hpp"

int main() {
  return cni::plugin_main({"bandwidth", "shapes a container's ingress and egress traffic (tc tbf, ifb)"},
                          bandwidth::callbacks());
}
