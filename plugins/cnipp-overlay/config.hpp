// cnipp-overlay's configuration: where the daemon's state and the plugin's own records
// live, and the bridge keys an operator may still set. Everything else (subnet, gateway,
// routes, MTU) comes from the agent's state file.
#pragma once

#include <string>

#include "cni/spec/config.hpp"

namespace overlay_plugin {

inline constexpr const char* kDefaultDataDir = "/var/lib/cni/cnipp-overlay";

struct OverlayConfig {
  std::string network;
  std::string cni_version;
  std::string state_dir;          // where cnipp-overlayd writes <network>.json
  std::string data_dir;           // attachments/ (rendered configs for DEL) and ipam/ (leases)
  std::string bridge;             // empty: "cnippbr<vni>"
  bool ip_masq = true;            // masquerade traffic leaving the overlay (not traffic to peers)
  bool is_default_gateway = true;  // the gateway on the bridge is the containers' default route
  bool hairpin = false;
  int mtu = 0;                    // 0: the daemon's (underlay MTU - 50)
};

// Decodes and checks every key before anything is touched. Throws cni::Error(code 7).
OverlayConfig parse_config(const cni::NetConf& conf);

}  // namespace overlay_plugin
