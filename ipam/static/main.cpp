// static: IPAM that hands out the addresses the config (or the runtime) names.
#include "cni/spec/skel.hpp"
#include "static_ipam.hpp"

int main() {
  return cni::plugin_main({"static", "IPAM that assigns the addresses named in the config"}, staticipam::callbacks());
}
