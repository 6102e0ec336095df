// Configuring a container interface from a Result, shared by bridge and ipvlan (the
// reference's ipam.ConfigureIface plus the sysctls both plugins set around it), and the
// CHECK counterpart that compares a link's addresses and routes with a Result.
#pragma once

#include <chrono>
#include <string>

#include "cni/spec/result.hpp"

namespace cni {

class Netns;
class Netlink;

struct IfaceOptions {
  // enabledad: accept_dad=1 + enhanced_dad=1; otherwise accept_dad=0 (no DAD, no wait).
  bool enable_dad = false;
  bool arp_notify = true;     // net/ipv4/conf/<if>/arp_notify=1 (gratuitous ARP on up)
  bool ndisc_notify = false;  // net/ipv6/conf/<if>/ndisc_notify=1 (ipvlan)
  // Upper bound on waiting for IPv6 addresses to leave the tentative state; a timeout or a
  // DADFAILED address is an error naming the address.
  std::chrono::milliseconds dad_timeout{5000};
  // Which Result::ips belong to this link: those whose `interface` equals this index, plus
  // those without one. -1: all of them.
  int interface_index = -1;
};

// Inside the namespace `ns` (whose netlink socket is `nl`): sysctls (accept_dad /
// enhanced_dad, arp_notify, and for IPv6 disable_ipv6=0 on lo and the link and
// keep_addr_on_down=1), every address, link up, bounded DAD wait, then every route (a route
// without a gateway takes the first gateway of its family). Errors name the step and item.
void configure_iface(Netns& ns, Netlink& nl, const std::string& ifname, const Result& result,
                     const IfaceOptions& opts = {});

// CHECK: every address of `result` for this link is on it, and every route is present
// (destination, gateway, through this link). Throws Error naming what is missing.
void check_iface(Netlink& nl, const std::string& ifname, const Result& result, int interface_index = -1);

}  // namespace cni
