// firewall's configuration: backend, iptablesAdminChainName, firewalldZone, ingressPolicy,
// validated before any rule is written, and the addresses to let through from prevResult.
#pragma once

#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/base/ip.hpp"

namespace firewall {

enum class Backend { automatic, nftables, iptables, firewalld };
// same_bridge: no traffic between two isolated bridges; isolated (reference v1.7.0): also
// none between two ports of one bridge.
enum class IngressPolicy { open, same_bridge, isolated };

struct FirewallConfig {
  Backend backend = Backend::automatic;
  std::string admin_chain = "CNI-ADMIN";
  std::string firewalld_zone = "trusted";
  IngressPolicy ingress = IngressPolicy::open;
  std::vector<cni::Cidr> ips;  // every address of prevResult, as the reference takes them
  std::string bridge;          // prevResult's first interface (bridge isolation)
  std::string ingress_name;    // the ingressPolicy as written, for messages
};

// Throws cni::Error(kInvalidNetworkConfig) naming the bad value.
FirewallConfig parse_config(const cni::NetConf& conf);
// ADD's extra requirement for bridge isolation: prevResult names the bridge first.
void require_bridge(const cni::NetConf& conf, const FirewallConfig& c);

}  // namespace firewall
