// tuning: sets sysctls and link settings of the container's interface (a chained plugin).
#include "cni/spec/skel.hpp"
#include "tuning.hpp"

int main() {
  return cni::plugin_main({"tuning", "sets net sysctls, MAC, MTU, promisc, allmulti and txqueuelen in the container"},
                          tuning::callbacks());
}
