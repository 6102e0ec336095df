// sbr: source-based routing for a container interface (a chained plugin).
#include "cni/spec/skel.hpp"
#include "sbr.hpp"

int main() {
  return cni::plugin_main({"sbr", "routes a container interface's traffic by source address (policy routing)"},
                          sbr::callbacks());
}
