#include "config.hpp"

#include "cni/base/error.hpp"
#include "cni/spec/mac.hpp"

namespace tap {

TapConfig parse_config(const cni::NetConf& conf, const std::string& cni_args) {
  TapConfig c;
  c.mac = cni::resolve_mac(conf, cni_args, {.config_key = "mac", .cni_args = true, .args_cni = false, .runtime_config = true});
  // A tap's MTU may not exceed 65521 (the kernel's tun_net_change_mtu bound).
  c.mtu = static_cast<int>(cni::get_int(conf.raw, "mtu", 0, 65521).value_or(0));
  if (c.mtu != 0 && c.mtu < 68)
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid MTU " + std::to_string(c.mtu) + ", must be 0 or at least 68");
  c.tap.multi_queue = cni::get_bool(conf.raw, "multiQueue", false);
  if (auto v = cni::get_int(conf.raw, "owner", 0, UINT32_MAX)) c.tap.owner = static_cast<uint32_t>(*v);
  if (auto v = cni::get_int(conf.raw, "group", 0, UINT32_MAX)) c.tap.group = static_cast<uint32_t>(*v);
  c.selinux_context = cni::get_string(conf.raw, "selinuxContext");
  c.bridge = cni::get_string(conf.raw, "bridge");
  if (!c.bridge.empty()) cni::validate_link_name(c.bridge, "bridge name");
  c.ipam_type = conf.ipam_type();
  c.dns = conf.dns;
  return c;
}

}  // namespace tap
