// firewall: policy only. Accepts forwarded traffic from the container's addresses and replies
// to them, behind an operator-owned admin chain, and isolates bridges on request, through
// libcni's firewall layer (cni/net/firewall.hpp). Backend: the config's; unset, iptables when the
// host filters forwarding with iptables (where an nftables accept would not count), else
// nftables.
#include "firewall.hpp"

#include "cni/base/error.hpp"
#include "cni/net/firewall.hpp"
#include "config.hpp"

namespace firewall {
namespace {

namespace fw = cni::firewall;

Backend resolve(const FirewallConfig& c) {
  if (c.backend == Backend::firewalld)
    throw cni::Error(cni::kPluginNotAvailable, "the firewalld backend is not supported by cnipp's firewall plugin",
                     "use \"backend\": \"iptables\" or \"nftables\" (see docs/meta-plugins.md)");
  if (c.backend != Backend::automatic) return c.backend;
  return fw::host_filters_forwarding_with_iptables() ? Backend::iptables : Backend::nftables;
}

cni::Attachment attachment(const cni::CmdArgs& args) { return {args.conf.name, args.env.container_id, args.env.ifname}; }

bool has_family(const FirewallConfig& c, bool v6) {
  for (const auto& ip : c.ips)
    if (ip.ip.is_v6() == v6) return true;
  return false;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const FirewallConfig c = parse_config(args.conf);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "missing prevResult from earlier plugin");
  require_bridge(args.conf, c);
  const Backend b = resolve(c);
  const auto att = attachment(args);
  try {
    if (b == Backend::iptables) fw::iptables::add(c.ips, c.admin_chain);
    else fw::add(att, c.ips);
    if (c.ingress != IngressPolicy::open) {
      const bool intra = c.ingress == IngressPolicy::isolated;
      if (b == Backend::iptables)
        fw::iptables::isolate_bridge(c.bridge, has_family(c, false), has_family(c, true), intra);
      else fw::isolate_bridge(c.bridge, intra);
    }
  } catch (...) {
    try {
      if (b == Backend::iptables) fw::iptables::del(c.ips);
      else fw::del(att);
    } catch (...) {
    }
    throw;
  }
  return *args.conf.prev_result;
}

void cmd_del(const cni::CmdArgs& args) {
  const FirewallConfig c = parse_config(args.conf);
  // Both backends, whatever the config says now: the host may have changed since ADD. The
  // nftables rules are found by their tag; the iptables ones (the reference's, untagged) by
  // address, so only with a prevResult, as in the reference.
  fw::del(attachment(args));
  if (!c.ips.empty()) fw::iptables::del(c.ips);
}

void cmd_check(const cni::CmdArgs& args) {
  const FirewallConfig c = parse_config(args.conf);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "missing prevResult from earlier plugin");
  const Backend b = resolve(c);
  auto problems = b == Backend::iptables ? fw::iptables::check(c.ips, c.admin_chain) : fw::check(attachment(args), c.ips);
  if (!problems.empty()) throw cni::Error(cni::kInternal, "firewall rules of this attachment are not in place", problems);
}

void cmd_status(const cni::CmdArgs& args) {
  const FirewallConfig c = parse_config(args.conf);
  if (resolve(c) == Backend::iptables && !fw::iptables::available())
    throw cni::Error(cni::kPluginNotAvailable, "iptables and ip6tables not found", "the iptables backend needs the iptables package");
}

void cmd_gc(const cni::CmdArgs& args) {
  std::vector<cni::Attachment> keep;
  for (const auto& a : cni::valid_attachments(args.conf)) keep.push_back({args.conf.name, a.container_id, a.ifname});
  fw::gc(args.conf.name, keep);
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace firewall
