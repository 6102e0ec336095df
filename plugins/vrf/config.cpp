#include "config.hpp"

#include "cni/spec/env.hpp"
#include "cni/base/error.hpp"

namespace vrf {

VrfConfig parse_config(const cni::NetConf& conf) {
  VrfConfig c;
  c.name = cni::get_string(conf.raw, "vrfname");
  if (c.name.empty())
    throw cni::Error(cni::kInvalidNetworkConfig, "configuration is expected to have a valid vrf name");
  try {
    cni::validate_ifname(c.name);
  } catch (const cni::Error& e) {
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid vrfname \"" + c.name + "\"", e.msg());
  }
  if (auto t = cni::get_int(conf.raw, "table", 0, 0xffffffff); t && *t > 0) {
    if (*t >= 253 && *t <= 255)
      throw cni::Error(cni::kInvalidNetworkConfig, "\"table\" " + std::to_string(*t) + " is a reserved routing table");
    c.table = static_cast<uint32_t>(*t);
  }
  return c;
}

}  // namespace vrf
