// portmap's configuration: every key of the reference's newest release decoded and
// validated before anything is written (code 7), and the container addresses taken from
// prevResult the reference's way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/net/hostport.hpp"
#include "cni/base/ip.hpp"

namespace portmap {

enum class Backend { nftables, iptables };

struct PortmapConfig {
  std::string network;
  bool snat = true;
  bool masq_all = false;
  int mark_masq_bit = 13;  // iptables: the reference's default (Kubernetes uses 14 and 15)
  std::string external_set_mark_chain;  // iptables: replaces CNI-HOSTPORT-SETMARK
  std::vector<std::string> conditions_v4, conditions_v6;  // raw tokens, as written
  std::vector<cni::nft::Condition> nft_conditions_v4, nft_conditions_v6;  // nftables backend
  Backend backend = Backend::nftables;
  std::vector<cni::hostport::Mapping> mappings;
  // From prevResult: the first IPv4 and the first IPv6 address of the container's interface.
  std::optional<cni::Cidr> ip4, ip6;
};

// Decodes the keys. `ifname` (CNI_IFNAME) selects the container's addresses in prevResult.
// Throws cni::Error(kInvalidNetworkConfig) on any invalid value, naming it.
PortmapConfig parse_config(const cni::NetConf& conf, const std::string& ifname);

// What ADD and CHECK need beyond the keys: a prevResult with an address, and no mapping
// whose hostIP is of a family the container has no address in.
void check_mappable(const cni::NetConf& conf, const PortmapConfig& c);

// One family's forward (mappings of that family, its conditions), for the hostport layer.
std::vector<cni::hostport::Forward> forwards(const PortmapConfig& c);

}  // namespace portmap
