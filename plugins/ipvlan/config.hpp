// The ipvlan plugin's configuration, decoded and validated before anything is touched.
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"
#include "cni/kernel/netlink.hpp"

namespace ipvlan {

struct IpvlanConfig {
  std::string network;
  std::string master;  // empty: resolved on ADD/CHECK only (default route or prevResult)
  cni::IpvlanMode mode = cni::IpvlanMode::l2;
  std::string mode_name = "l2";
  int mtu = 0;
  bool link_in_container = false;
  std::string ipam_type;  // empty: chained, use prevResult's IPs
  std::optional<cni::Dns> dns;
};

// Throws cni::Error(kInvalidNetworkConfig) for an unknown mode, a bad MTU, and (when
// `for_add`) a missing IPAM outside a chain; DEL must work with whatever config it gets.
IpvlanConfig parse_config(const cni::NetConf& conf, bool for_add = false);

}  // namespace ipvlan
