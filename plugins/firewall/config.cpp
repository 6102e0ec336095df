#include "config.hpp"

#include "cni/base/error.hpp"

namespace firewall {

namespace {
[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}
}  // namespace

FirewallConfig parse_config(const cni::NetConf& conf) {
  const auto& raw = conf.raw;
  FirewallConfig c;
  const auto backend = cni::get_string(raw, "backend");
  if (backend == "iptables") c.backend = Backend::iptables;
  else if (backend == "nftables") c.backend = Backend::nftables;
  else if (backend == "firewalld") c.backend = Backend::firewalld;
  else if (!backend.empty())
    invalid("unknown firewall backend \"" + backend + "\"", "\"backend\" is \"nftables\", \"iptables\" or \"firewalld\"; unset picks one");

  c.admin_chain = cni::get_string(raw, "iptablesAdminChainName", "CNI-ADMIN");
  if (c.admin_chain.empty()) c.admin_chain = "CNI-ADMIN";
  // An iptables chain name: at most 28 characters, none that would split an iptables-restore line.
  if (c.admin_chain.size() > 28 || c.admin_chain.find_first_of(" \t\r\n\"'!") != std::string::npos ||
      c.admin_chain[0] == '-')
    invalid("invalid iptablesAdminChainName \"" + c.admin_chain + "\"", "an iptables chain name: 1-28 characters, no spaces or quotes");
  c.firewalld_zone = cni::get_string(raw, "firewalldZone", "trusted");
  if (c.firewalld_zone.empty()) c.firewalld_zone = "trusted";

  const auto policy = cni::get_string(raw, "ingressPolicy");
  if (policy == "same-bridge") c.ingress = IngressPolicy::same_bridge;
  else if (policy == "isolated") c.ingress = IngressPolicy::isolated;
  else if (!policy.empty() && policy != "open") invalid("unknown ingress policy: \"" + policy + "\"");
  c.ingress_name = policy;

  if (conf.prev_result) {
    for (const auto& ip : conf.prev_result->ips) c.ips.push_back(ip.address);
    if (!conf.prev_result->interfaces.empty()) c.bridge = conf.prev_result->interfaces[0].name;
  }
  return c;
}

void require_bridge(const cni::NetConf& conf, const FirewallConfig& c) {
  if (c.ingress != IngressPolicy::open && conf.prev_result) {
    if (conf.prev_result->interfaces.empty())
      invalid("interface needs to be set for ingress policy \"" + c.ingress_name +
              "\", make sure to chain \"firewall\" plugin with \"bridge\"");
    if (c.bridge.empty()) invalid("got empty bridge name");
    if (c.bridge.size() > 15 || c.bridge.find_first_of(" \t\r\n\"'/") != std::string::npos)
      invalid("invalid bridge name \"" + c.bridge + "\" in prevResult");
  }
}

}  // namespace firewall
