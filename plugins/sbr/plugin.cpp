// sbr: policy only. For each of the interface's addresses: a rule "from <ip> lookup <table>"
// in a table of its own (the first id from 100 no rule uses), a default route there via the
// address's gateway, and copies of the interface's main-table routes that belong to it
// (their source or gateway in its subnet, or neither); then those routes leave the main
// table. The reference's algorithm, step for step, so the tables come out the same. With
// "table", only the rules are added. Everything happens under an flock on the netns file,
// the reference's lock, so its instances and ours serialise.
#include "sbr.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "cni/base/error.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/kernel/policy_routing.hpp"
#include "config.hpp"

namespace sbr {
namespace {

constexpr int kFirstTable = 100;

cni::PolicyRule rule_for(const cni::IpAddr& ip, int table) {
  return {ip.is_v6() ? AF_INET6 : AF_INET, cni::Cidr{ip, ip.bits()}, table, std::nullopt};
}

int next_free_table(const std::set<int>& used, int from) {
  while (used.count(from)) ++from;
  return from;
}

// What a failed ADD must take back: the rules it added and the tables it filled (the main
// table is changed last, so until then it is intact).
struct Undo {
  cni::Netlink& nl;
  int oif;
  std::vector<cni::PolicyRule> rules;
  std::vector<int> tables;
  bool armed = true;
  ~Undo() {
    if (!armed) return;
    try {
      for (const auto& r : rules) cni::del_rule(nl, r);
      for (int t : tables)
        for (const auto& r : cni::list_link_routes(nl, oif, t)) cni::delete_route(nl, r);
    } catch (...) {
    }
  }
};

void route_by_source(cni::Netlink& nl, const cni::Link& link, const SbrConfig& c) {
  const auto rules = cni::list_rules(nl);
  Undo undo{nl, link.index, {}, {}};
  auto add_rule = [&](const cni::PolicyRule& r) {
    cni::add_rule(nl, r);
    undo.rules.push_back(r);
  };
  if (c.table) {
    for (const auto& ip : c.ips) add_rule(rule_for(ip.address.ip, *c.table));
    undo.armed = false;
    return;
  }
  const auto routes = cni::list_link_routes(nl, link.index, 254);
  std::set<int> used;
  for (const auto& r : rules) used.insert(r.table);
  for (const auto& r : routes) used.insert(r.table);
  int table = next_free_table(used, kFirstTable);
  for (const auto& ip : c.ips) {
    undo.tables.push_back(table);
    add_rule(rule_for(ip.address.ip, table));
    if (ip.gateway) {
      cni::RouteEntry def;
      def.dst = {ip.address.ip.is_v6() ? *cni::IpAddr::parse("::") : cni::IpAddr::v4(0), 0};
      def.gw = ip.gateway;
      def.oif = link.index;
      def.table = table;
      nl.add_route(def);
    }
    const cni::Cidr subnet{ip.address.ip.masked(ip.address.prefix), ip.address.prefix};
    for (const auto& r : routes) {
      const bool generic = !r.src && !r.gw;
      if (generic || (r.src && subnet.contains(*r.src)) || (r.gw && subnet.contains(*r.gw)))
        cni::copy_route_to_table(nl, r, table);
    }
    used.insert(table);
    table = next_free_table(used, table + 1);
  }
  undo.armed = false;
  for (const auto& r : routes) cni::delete_route(nl, r);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const SbrConfig c = parse_config(args.conf, args.env.ifname);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "This plugin must be called as chained plugin");
  if (c.ips.empty())
    throw cni::Error(cni::kInvalidNetworkConfig, "No IP addresses supplied on interface: " + args.env.ifname);
  const auto ns = cni::Netns::open(args.env.netns);
  cni::NetnsLock lock(ns);
  auto nl = cni::Netlink::open_in(ns);
  auto link = nl.link(args.env.ifname);
  if (!link) throw cni::Error(cni::kInvalidEnvironment, "Cannot find network interface " + args.env.ifname);
  route_by_source(nl, *link, c);
  return *args.conf.prev_result;
}

void cmd_del(const cni::CmdArgs& args) {
  const SbrConfig c = parse_config(args.conf, args.env.ifname);
  // The container may be gone: nothing left to tidy (and no lock file to create).
  auto ns = args.env.netns.empty() ? std::nullopt : cni::Netns::try_open(args.env.netns);
  if (!ns) return;
  cni::NetnsLock lock(*ns);
  auto nl = cni::Netlink::open_in(*ns);
  auto link = nl.link(args.env.ifname);
  if (!link) return;
  const auto addrs = nl.addresses(link->index);
  for (const auto& r : cni::list_rules(nl)) {
    if (!r.src || (c.table && r.table != *c.table)) continue;
    bool ours = std::any_of(addrs.begin(), addrs.end(), [&](const cni::Address& a) { return a.cidr.ip == r.src->ip; });
    if (ours) cni::del_rule(nl, r);
  }
}

// The reference's CHECK always succeeds; ours looks for each address's rule.
void cmd_check(const cni::CmdArgs& args) {
  const SbrConfig c = parse_config(args.conf, args.env.ifname);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  const auto ns = cni::Netns::open(args.env.netns);
  auto nl = cni::Netlink::open_in(ns);
  const auto rules = cni::list_rules(nl);
  for (const auto& ip : c.ips) {
    bool found = std::any_of(rules.begin(), rules.end(), [&](const cni::PolicyRule& r) {
      return r.src && r.src->ip == ip.address.ip && r.src->prefix == ip.address.ip.bits() && (!c.table || r.table == *c.table);
    });
    if (!found) throw cni::Error(cni::kInternal, "no source routing rule for " + ip.address.ip.str());
  }
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, {}, {}}; }

}  // namespace sbr
