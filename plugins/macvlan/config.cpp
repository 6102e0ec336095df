#include "config.hpp"

#include <linux/if_link.h>

#include "cni/base/error.hpp"
#include "cni/spec/mac.hpp"

namespace macvlan {

std::optional<int> mode_from_name(const std::string& name) {
  if (name.empty() || name == "bridge") return MACVLAN_MODE_BRIDGE;
  if (name == "private") return MACVLAN_MODE_PRIVATE;
  if (name == "vepa") return MACVLAN_MODE_VEPA;
  if (name == "passthru") return MACVLAN_MODE_PASSTHRU;
  if (name == "source") return MACVLAN_MODE_SOURCE;
  return std::nullopt;
}

MacvlanConfig parse_config(const cni::NetConf& conf, const std::string& cni_args) {
  MacvlanConfig c;
  c.master = cni::get_string(conf.raw, "master");
  if (!c.master.empty()) cni::validate_link_name(c.master, "master interface name");
  auto mode_name = cni::get_string(conf.raw, "mode");
  auto mode = mode_from_name(mode_name);
  if (!mode)
    throw cni::Error(cni::kInvalidNetworkConfig, "unknown macvlan mode: \"" + mode_name + "\"",
                     "mode must be bridge, private, vepa, passthru or source");
  c.mode = *mode;
  if (!mode_name.empty()) c.mode_name = mode_name;
  // The upper bound is the master's MTU, known only once the master is looked up.
  c.mtu = static_cast<int>(cni::get_int(conf.raw, "mtu", 0, 65535).value_or(0));
  if (c.mtu != 0 && c.mtu < 68)
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid MTU " + std::to_string(c.mtu) + ", must be 0 or at least 68");
  c.link_in_container = cni::get_bool(conf.raw, "linkInContainer", false);
  // The reference's precedence: the config's "mac", then CNI_ARGS MAC=, then runtimeConfig.mac.
  c.mac = cni::resolve_mac(conf, cni_args, {.config_key = "mac", .cni_args = true, .args_cni = false, .runtime_config = true});
  c.ipam_type = conf.ipam_type();
  c.dns = conf.dns;
  return c;
}

}  // namespace macvlan
