#include "cni/net/iface.hpp"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <thread>

#include "cni/base/error.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/kernel/sysctl.hpp"

namespace cni {

namespace {

bool belongs(const IpConfig& ip, int interface_index) {
  return interface_index < 0 || !ip.interface || *ip.interface == interface_index;
}

// The first gateway of each family among this link's IPs: what a gateway-less route uses.
std::optional<IpAddr> first_gateway(const Result& r, int family, int interface_index) {
  for (const auto& ip : r.ips)
    if (belongs(ip, interface_index) && ip.address.ip.family() == family && ip.gateway) return ip.gateway;
  return std::nullopt;
}

RouteEntry route_entry(const Route& rt, const Result& r, int oif, int interface_index) {
  RouteEntry e;
  e.dst = rt.dst.network();
  e.gw = rt.gw ? rt.gw : first_gateway(r, rt.dst.ip.family(), interface_index);
  e.oif = oif;
  e.scope = rt.scope ? *rt.scope : (e.gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  if (rt.table) e.table = *rt.table;
  if (rt.priority) e.priority = static_cast<uint32_t>(*rt.priority);
  if (rt.mtu) e.mtu = static_cast<uint32_t>(*rt.mtu);
  if (rt.advmss) e.advmss = static_cast<uint32_t>(*rt.advmss);
  return e;
}

// Best-effort sysctls, as the reference (`_, _ = sysctl.Sysctl(...)`): a kernel without
// enhanced_dad must not fail an ADD.
void try_sysctl(const std::string& key, const std::string& value) {
  try {
    sysctl_write(key, value);
  } catch (const Error&) {
  }
}

}  // namespace

void configure_iface(Netns& ns, Netlink& nl, const std::string& ifname, const Result& result,
                     const IfaceOptions& opts) {
  auto link = nl.link(ifname);
  if (!link) throw Error(kInternal, "failed to look up \"" + ifname + "\": no such link");
  bool has_v6 = false;
  for (const auto& ip : result.ips)
    if (belongs(ip, opts.interface_index) && ip.address.ip.is_v6()) has_v6 = true;

  ns.run_in([&] {
    if (opts.enable_dad) {
      try_sysctl("net/ipv6/conf/" + ifname + "/enhanced_dad", "1");
      try_sysctl("net/ipv6/conf/" + ifname + "/accept_dad", "1");
    } else {
      try_sysctl("net/ipv6/conf/" + ifname + "/accept_dad", "0");
    }
    if (opts.arp_notify) try_sysctl("net/ipv4/conf/" + ifname + "/arp_notify", "1");
    if (opts.ndisc_notify) try_sysctl("net/ipv6/conf/" + ifname + "/ndisc_notify", "1");
    if (has_v6) {
      // IPv6 may be disabled by default in containers; these are needed, so they must work.
      sysctl_ensure("net/ipv6/conf/lo/disable_ipv6", "0");
      sysctl_ensure("net/ipv6/conf/" + ifname + "/disable_ipv6", "0");
      sysctl_write("net/ipv6/conf/" + ifname + "/keep_addr_on_down", "1");
    }
  });

  for (const auto& ip : result.ips) {
    if (!belongs(ip, opts.interface_index)) continue;
    nl.add_address(link->index, ip.address, ip.address.ip.is_v6() && !opts.enable_dad);
  }
  nl.set_up(link->index);

  if (has_v6 && opts.enable_dad) {
    // Bounded wait for DAD, as the reference's SettleAddresses (5 s at HEAD).
    auto deadline = std::chrono::steady_clock::now() + opts.dad_timeout;
    for (;;) {
      bool tentative = false;
      for (const auto& a : nl.addresses(link->index, AF_INET6)) {
        if (a.dad_failed()) throw Error(kInternal, "address " + a.cidr.str() + " on \"" + ifname + "\" failed DAD");
        if (a.tentative()) tentative = true;  // link-local too: the link is settled only when all are
      }
      if (!tentative) break;
      if (std::chrono::steady_clock::now() > deadline)
        throw Error(kInternal, "IPv6 addresses on \"" + ifname + "\" still tentative after " +
                                   std::to_string(opts.dad_timeout.count()) + " ms of DAD");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  for (const auto& rt : result.routes) {
    bool family_present = false;
    for (const auto& ip : result.ips)
      if (belongs(ip, opts.interface_index) && ip.address.ip.family() == rt.dst.ip.family()) family_present = true;
    if (!family_present) continue;
    nl.add_route(route_entry(rt, result, link->index, opts.interface_index), /*exist_ok=*/true);
  }
}

void check_iface(Netlink& nl, const std::string& ifname, const Result& result, int interface_index) {
  auto link = nl.link(ifname);
  if (!link) throw Error(kInternal, "interface \"" + ifname + "\" not found");
  auto addrs = nl.addresses(link->index);
  for (const auto& ip : result.ips) {
    if (!belongs(ip, interface_index)) continue;
    bool found = false;
    for (const auto& a : addrs) found = found || (a.cidr == ip.address);
    if (!found) throw Error(kInternal, "address " + ip.address.str() + " not found on \"" + ifname + "\"");
  }
  for (const auto& rt : result.routes) {
    bool family_present = false;
    for (const auto& ip : result.ips)
      if (belongs(ip, interface_index) && ip.address.ip.family() == rt.dst.ip.family()) family_present = true;
    if (!family_present) continue;
    auto want = route_entry(rt, result, link->index, interface_index);
    bool found = false;
    for (const auto& have : nl.routes(want.dst.ip.af(), want.table))
      found = found || (have.dst == want.dst && have.oif == want.oif && have.gw == want.gw);
    if (!found)
      throw Error(kInternal, "route " + rt.dst.str() + (want.gw ? " via " + want.gw->str() : "") + " not found on \"" +
                                 ifname + "\"");
  }
}

}  // namespace cni
