// The vlan plugin's configuration, decoded and validated before anything is touched. The
// master's MTU bound is checked on ADD, where the master is looked up.
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"

namespace vlan {

struct VlanConfig {
  std::string master;  // required
  int vlan_id = 0;     // 0-4094
  int mtu = 0;         // 0: the kernel's default (the master's)
  bool link_in_container = false;
  std::string ipam_type;  // empty: an L2-only attachment
  std::optional<cni::Dns> dns;
};

// Throws cni::Error code 7 for a missing or bad master, a VLAN ID outside 0-4094, a bad MTU.
VlanConfig parse_config(const cni::NetConf& conf);

}  // namespace vlan
