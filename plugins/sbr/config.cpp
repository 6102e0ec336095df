#include "config.hpp"

#include "cni/base/error.hpp"

namespace sbr {

SbrConfig parse_config(const cni::NetConf& conf, const std::string& ifname) {
  SbrConfig c;
  // Table ids 0, 253-255 are the kernel's own (unspec, default, main, local).
  if (auto t = cni::get_int(conf.raw, "table", 1, 0xfffffffe)) {
    if (*t >= 253 && *t <= 255)
      throw cni::Error(cni::kInvalidNetworkConfig, "\"table\" " + std::to_string(*t) + " is a reserved routing table");
    c.table = static_cast<int>(*t);
  }
  if (conf.prev_result) {
    const auto& r = *conf.prev_result;
    for (const auto& ip : r.ips) {
      if (ip.interface && *ip.interface >= 0 && *ip.interface < static_cast<int>(r.interfaces.size()) &&
          r.interfaces[static_cast<size_t>(*ip.interface)].name != ifname)
        continue;
      c.ips.push_back(ip);
    }
  }
  return c;
}

}  // namespace sbr
