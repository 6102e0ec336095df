// cnipp-chain: runs a list of plugins as a conflist runtime would, from one network config.
#include "chain.hpp"
#include "cni/spec/skel.hpp"

int main() {
  return cni::plugin_main({"cnipp-chain", "runs its \"plugins\" as a conflist (for Mesos and other one-config runtimes)"},
                          chain::callbacks());
}
