#include "config.hpp"

#include "cni/base/error.hpp"

namespace vlan {

VlanConfig parse_config(const cni::NetConf& conf) {
  VlanConfig c;
  c.master = cni::get_string(conf.raw, "master");
  if (c.master.empty())
    throw cni::Error(cni::kInvalidNetworkConfig, "\"master\" field is required. It specifies the host interface name to create the VLAN for.");
  cni::validate_link_name(c.master, "master interface name");
  auto id = cni::get_int(conf.raw, "vlanId", INT64_MIN, INT64_MAX).value_or(0);
  if (id < 0 || id > 4094)
    throw cni::Error(cni::kInvalidNetworkConfig,
                     "invalid VLAN ID " + std::to_string(id) + " (must be between 0 and 4094 inclusive)");
  c.vlan_id = static_cast<int>(id);
  c.mtu = static_cast<int>(cni::get_int(conf.raw, "mtu", 0, 65535).value_or(0));
  if (c.mtu != 0 && c.mtu < 68)
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid MTU " + std::to_string(c.mtu) + ", must be 0 or at least 68");
  c.link_in_container = cni::get_bool(conf.raw, "linkInContainer", false);
  c.ipam_type = conf.ipam_type();
  c.dns = conf.dns;
  return c;
}

}  // namespace vlan
