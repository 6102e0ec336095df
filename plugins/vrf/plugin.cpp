// vrf: policy only. In the container's namespace: find or create the VRF (with the
// configured table, or the lowest one no other VRF there uses), enslave CNI_IFNAME to it,
// and bring back what enslaving loses: the kernel cycles the link, which drops its IPv6
// addresses and its gateway routes; the addresses are re-added and the routes re-created in
// the VRF's table (the reference's behaviour since v1.4.0). DEL releases the link and removes
// the VRF when nothing else is in it.
#include "vrf.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "cni/base/error.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/kernel/policy_routing.hpp"
#include "cni/kernel/vrf.hpp"
#include "config.hpp"

namespace vrf {
namespace {

cni::VrfDevice find_or_create(cni::Netlink& nl, const VrfConfig& c) {
  const auto vrfs = cni::list_vrfs(nl);
  for (const auto& v : vrfs) {
    if (v.name != c.name) continue;
    if (c.table && v.table != *c.table)
      throw cni::Error(cni::kInvalidNetworkConfig,
                       "VRF " + c.name + " already exists with a different table " + std::to_string(v.table));
    return v;
  }
  if (nl.link(c.name))
    throw cni::Error(cni::kInvalidNetworkConfig, "link " + c.name + " already exists but is not a VRF");
  uint32_t table = c.table.value_or(0);
  if (!table) {
    std::set<uint32_t> used;
    for (const auto& v : vrfs) used.insert(v.table);
    for (table = 1; used.count(table) || (table >= 253 && table <= 255); ++table) {
    }
  }
  cni::create_vrf(nl, c.name, table);
  auto l = nl.link(c.name);
  if (!l) throw cni::Error(cni::kInternal, "VRF " + c.name + " vanished after it was created");
  nl.set_up(l->index);
  return {l->index, c.name, table};
}

void enslave(cni::Netlink& nl, const cni::Link& link, const cni::VrfDevice& vrf) {
  if (link.master == vrf.index) return;
  if (link.master != 0)
    throw cni::Error(cni::kInvalidNetworkConfig, "interface " + link.name + " already has a master");
  std::vector<cni::Address> v6;
  for (const auto& a : nl.addresses(link.index, AF_INET6))
    if (a.scope == RT_SCOPE_UNIVERSE) v6.push_back(a);
  std::vector<cni::KernelRoute> routes;
  for (auto& r : cni::list_link_routes(nl, link.index, 254))
    if (r.gw) routes.push_back(std::move(r));
  nl.set_master(link.index, vrf.index);
  const auto after = nl.addresses(link.index, AF_INET6);
  for (const auto& a : v6) {
    bool kept = std::any_of(after.begin(), after.end(), [&](const cni::Address& b) { return b.cidr == a.cidr; });
    if (!kept) nl.add_address(link.index, a.cidr, /*nodad=*/true, /*exist_ok=*/true);
  }
  for (const auto& r : routes) cni::copy_route_to_table(nl, r, static_cast<int>(vrf.table));
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const VrfConfig c = parse_config(args.conf);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "missing prevResult from earlier plugin");
  const auto ns = cni::Netns::open(args.env.netns);
  // Two attachments of one container joining the same VRF at once would both create it,
  // or pick the same free table for two names; DEL's "is it empty" races an ADD's enslave.
  cni::NetnsLock lock(ns);
  auto nl = cni::Netlink::open_in(ns);
  auto link = nl.link(args.env.ifname);
  if (!link) throw cni::Error(cni::kInvalidEnvironment, "failed to find link \"" + args.env.ifname + "\"");
  const bool existed = nl.link(c.name).has_value();
  const auto vrf = find_or_create(nl, c);
  try {
    enslave(nl, *link, vrf);
  } catch (...) {
    if (!existed) nl.delete_link(vrf.index);
    throw;
  }
  return *args.conf.prev_result;
}

void cmd_del(const cni::CmdArgs& args) {
  const VrfConfig c = parse_config(args.conf);
  auto ns = args.env.netns.empty() ? std::nullopt : cni::Netns::try_open(args.env.netns);
  if (!ns) return;
  cni::NetnsLock lock(*ns);
  auto nl = cni::Netlink::open_in(*ns);
  const auto vrfs = cni::list_vrfs(nl);
  auto v = std::find_if(vrfs.begin(), vrfs.end(), [&](const cni::VrfDevice& d) { return d.name == c.name; });
  if (v == vrfs.end()) return;
  if (auto link = nl.link(args.env.ifname); link && link->master == v->index) nl.set_master(link->index, 0);
  const auto links = nl.links();
  if (std::none_of(links.begin(), links.end(), [&](const cni::Link& l) { return l.master == v->index; }))
    nl.delete_link(v->index);
}

void cmd_check(const cni::CmdArgs& args) {
  const VrfConfig c = parse_config(args.conf);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "missing prevResult from earlier plugin");
  const auto ns = cni::Netns::open(args.env.netns);
  auto nl = cni::Netlink::open_in(ns);
  const auto vrfs = cni::list_vrfs(nl);
  auto v = std::find_if(vrfs.begin(), vrfs.end(), [&](const cni::VrfDevice& d) { return d.name == c.name; });
  if (v == vrfs.end()) throw cni::Error(cni::kInternal, "VRF " + c.name + " does not exist");
  if (c.table && v->table != *c.table)
    throw cni::Error(cni::kInternal, "VRF " + c.name + " uses table " + std::to_string(v->table) + ", configured " +
                                         std::to_string(*c.table));
  auto link = nl.link(args.env.ifname);
  if (!link || link->master != v->index)
    throw cni::Error(cni::kInternal, "interface " + args.env.ifname + " is not enslaved to VRF " + c.name);
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, {}, {}}; }

}  // namespace vrf
