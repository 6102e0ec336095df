// The macvlan plugin's configuration, decoded and validated before anything is touched.
// The master's MTU bound is checked on ADD, where the master is looked up.
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"

namespace macvlan {

struct MacvlanConfig {
  std::string master;  // empty: the default route's link, resolved on ADD/CHECK
  int mode = 0;        // MACVLAN_MODE_*
  std::string mode_name = "bridge";
  int mtu = 0;         // 0: the kernel's default (the master's)
  std::string mac;     // canonical, empty: the kernel's choice
  bool link_in_container = false;
  std::string ipam_type;  // empty: an L2-only attachment
  std::optional<cni::Dns> dns;
};

// `cni_args` is CNI_ARGS (MAC= understood). Throws cni::Error code 7 for an unknown mode, a
// bad MTU, master name or MAC.
MacvlanConfig parse_config(const cni::NetConf& conf, const std::string& cni_args);

// "bridge" -> MACVLAN_MODE_BRIDGE, ...; nullopt when unknown.
std::optional<int> mode_from_name(const std::string& name);

}  // namespace macvlan
