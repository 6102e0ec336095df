#include "config.hpp"

#include "cni/base/error.hpp"

namespace ipvlan {

IpvlanConfig parse_config(const cni::NetConf& conf, bool for_add) {
  IpvlanConfig c;
  c.network = conf.name;
  c.master = cni::get_string(conf.raw, "master");
  c.mode_name = cni::get_string(conf.raw, "mode");
  if (c.mode_name.empty() || c.mode_name == "l2") c.mode = cni::IpvlanMode::l2;
  else if (c.mode_name == "l3") c.mode = cni::IpvlanMode::l3;
  else if (c.mode_name == "l3s") c.mode = cni::IpvlanMode::l3s;
  else throw cni::Error(cni::kInvalidNetworkConfig, "unknown ipvlan mode: " + c.mode_name, "mode must be l2, l3 or l3s");
  if (c.mode_name.empty()) c.mode_name = "l2";
  c.mtu = static_cast<int>(cni::get_int(conf.raw, "mtu", 0, 65535).value_or(0));
  if (c.mtu != 0 && c.mtu < 68) throw cni::Error(cni::kInvalidNetworkConfig, "invalid MTU " + std::to_string(c.mtu));
  c.link_in_container = cni::get_bool(conf.raw, "linkInContainer", false);
  c.ipam_type = conf.ipam_type();
  c.dns = conf.dns;
  if (for_add && c.ipam_type.empty() && !conf.prev_result)
    throw cni::Error(cni::kInvalidNetworkConfig, "ipam must be specified", "only a chained ipvlan may go without IPAM");
  if (!c.master.empty() && (c.master.size() > 15 || c.master.find('/') != std::string::npos))
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid master interface name \"" + c.master + "\"");
  return c;
}

}  // namespace ipvlan
