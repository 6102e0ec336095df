// The tap plugin's configuration (the reference's newest keys), decoded and validated
// before anything is touched.
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"
#include "cni/kernel/tuntap.hpp"

namespace tap {

struct TapConfig {
  std::string mac;  // canonical; from "mac", CNI_ARGS MAC=, runtimeConfig.mac (later wins)
  int mtu = 0;      // 0: the kernel's default
  cni::TapOptions tap;      // multiQueue, owner, group
  std::string selinux_context;
  std::string bridge;       // a bridge in the container to enslave the tap to
  std::string ipam_type;    // empty: an L2-only attachment
  std::optional<cni::Dns> dns;
};

// Throws cni::Error code 7 for a bad MAC, MTU, owner, group or bridge name.
TapConfig parse_config(const cni::NetConf& conf, const std::string& cni_args);

}  // namespace tap
