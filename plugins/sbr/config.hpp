// sbr's configuration: the optional `table` (the reference's v1.6.0 key: only add rules that
// look up that table, move no routes), and the container addresses from prevResult.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/spec/result.hpp"

namespace sbr {

struct SbrConfig {
  std::optional<int> table;
  // prevResult's addresses on CNI_IFNAME: those whose interface index names it, or that
  // have no (or an out-of-range) index, as the reference selects them.
  std::vector<cni::IpConfig> ips;
};

// Throws cni::Error(kInvalidNetworkConfig).
SbrConfig parse_config(const cni::NetConf& conf, const std::string& ifname);

}  // namespace sbr
