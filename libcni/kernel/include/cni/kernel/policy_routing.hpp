// Source-based routing: policy rules ("from <ip> lookup <table>") and moving a link's routes
// from one routing table to another, for the sbr plugin. Used through a Netlink socket bound
// to the container's namespace.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cni/base/ip.hpp"
#include "cni/kernel/netlink.hpp"

namespace cni {

struct PolicyRule {
  int family = 0;              // AF_INET / AF_INET6
  std::optional<Cidr> src;     // "from"; nullopt: from all
  int table = 0;
  std::optional<uint32_t> priority;  // nullopt on add: the kernel picks one
};

// Every rule of both families, in the kernel's order.
std::vector<PolicyRule> list_rules(Netlink& nl);
// "from <src> lookup <table>" (FR_ACT_TO_TBL); an identical rule already there is an error.
void add_rule(Netlink& nl, const PolicyRule& r);
// Deletes the rule matching family, src, table and (when set) priority; false when none did.
bool del_rule(Netlink& nl, const PolicyRule& r);

// One route as the kernel reported it (read by the same parser as Netlink::routes), kept
// whole so it can be written back elsewhere with every attribute (protocol, scope, preferred
// source, metric, IPv6 preference) unchanged.
struct KernelRoute : RouteEntry {
  std::string message;  // the RTM_NEWROUTE message bytes

  std::string str() const;
};

// Unicast routes of `table` whose output link is `oif`, both families.
std::vector<KernelRoute> list_link_routes(Netlink& nl, int oif, int table);
// Writes `r` into `table` (replacing an equal route there), flags cleared: a route the
// kernel made (a connected subnet) may be re-added only without them.
void copy_route_to_table(Netlink& nl, const KernelRoute& r, int table);
// Deletes `r` from the table it is in; false when it was already gone.
bool delete_route(Netlink& nl, const KernelRoute& r);

}  // namespace cni
