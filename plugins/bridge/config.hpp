// The bridge plugin's configuration: every key decoded, defaulted and validated up front so
// that a bad config is refused (code 7) before the kernel or IPAM is touched.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/spec/env.hpp"
#include "cni/spec/mac.hpp"
#include "cni/spec/result.hpp"

namespace bridge {

enum class MasqBackend { kNftables, kIptables };

struct BridgeConfig {
  std::string network;      // the network name (keys masquerade rules)
  std::string cni_version;  // the version the result is printed in
  std::string bridge = "cni0";
  bool is_gateway = false;
  bool is_default_gateway = false;  // implies is_gateway
  bool force_address = false;
  bool ip_masq = false;
  MasqBackend masq_backend = MasqBackend::kNftables;
  int mtu = 0;  // 0: kernel default
  bool hairpin = false;
  bool promisc = false;
  int vlan = 0;                // access VLAN (PVID, untagged); 0: none
  std::vector<int> trunk;      // tagged VLANs, sorted and unique
  bool preserve_default_vlan = true;  // the reference's default: VLAN 1 stays on the port
  bool macspoofchk = false;
  bool enable_dad = false;
  bool disable_container_interface = false;
  bool port_isolation = false;
  std::string mac;  // container MAC, canonical lowercase "aa:bb:..", empty = kernel's choice
  std::string ipam_type;  // empty: L2-only
  std::optional<cni::Dns> dns;  // the config's dns, applied only when set

  bool l2_only() const { return ipam_type.empty(); }
  bool vlan_filtering() const { return vlan != 0 || !trunk.empty(); }
};

// Decodes the bridge keys of `conf`. `cni_args` is CNI_ARGS (MAC= and IgnoreUnknown= are
// understood). Throws cni::Error code 7 on any invalid value. For ADD, call
// check_add_preconditions as well.
BridgeConfig parse_config(const cni::NetConf& conf, const std::string& cni_args);

// What only ADD needs: the result must be printable in the config's version (an L2-only
// result cannot be written as 0.1.0/0.2.0), refused before anything is created.
void check_add_preconditions(const BridgeConfig& c);

// The MAC text forms, shared with the other plugins (cni/spec/mac.hpp).
using cni::canonical_mac;

}  // namespace bridge
