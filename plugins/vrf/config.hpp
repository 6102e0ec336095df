// vrf's configuration: vrfname (required) and table (optional), checked before anything is
// created.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cni/spec/config.hpp"

namespace vrf {

struct VrfConfig {
  std::string name;
  std::optional<uint32_t> table;
};

// Throws cni::Error(kInvalidNetworkConfig).
VrfConfig parse_config(const cni::NetConf& conf);

}  // namespace vrf
