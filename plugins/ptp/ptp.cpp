// The ptp plugin: policy only. Connects a container to the host through a veth pair and
// routes it (the reference's plugins/main/ptp): no bridge, no L2 between containers.
//
// Container side, per address 10.1.0.5/24 with gateway 10.1.0.1: the address, then the
// kernel's 10.1.0.0/24 subnet route replaced by "10.1.0.1 dev eth0 scope link" and
// "10.1.0.0/24 via 10.1.0.1", so every packet, even to a neighbour, goes to the host.
// Host side: 10.1.0.1/32 on the host veth (it answers ARP for the gateway) and a route
// "10.1.0.5 dev vethXXXX". The veth, forwarding and masquerade code is bridge's (libcni).
#include <linux/rtnetlink.h>

#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/net/masq.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/spec/skel.hpp"
#include "cni/kernel/sysctl.hpp"
#include "cni/kernel/veth.hpp"
#include "config.hpp"

namespace ptp {
namespace {

cni::Cidr host_route_of(const cni::IpAddr& ip) { return {ip, ip.bits()}; }

cni::Attachment attachment(const cni::CmdArgs& args) {
  return {args.conf.name, args.env.container_id, args.env.ifname};
}

std::vector<cni::Cidr> addresses(const cni::Result& r) {
  std::vector<cni::Cidr> out;
  for (const auto& ip : r.ips) out.push_back(ip.address);
  return out;
}

// Inside the container: the subnet route swapped for the gateway routes described above.
void route_through_gateway(cni::Netlink& cont, int index, const cni::IpConfig& ip) {
  const cni::Cidr subnet = ip.address.network();
  cni::RouteEntry kernel_route;
  kernel_route.dst = subnet;
  kernel_route.oif = index;
  cont.del_route(kernel_route);
  cni::RouteEntry to_gw;
  to_gw.dst = host_route_of(*ip.gateway);
  to_gw.oif = index;
  to_gw.scope = RT_SCOPE_LINK;
  to_gw.src = ip.address.ip;
  cont.add_route(to_gw, /*exist_ok=*/true);
  cni::RouteEntry via_gw;
  via_gw.dst = subnet;
  via_gw.gw = ip.gateway;
  via_gw.oif = index;
  via_gw.src = ip.address.ip;
  cont.add_route(via_gw, /*exist_ok=*/true);
}

// On the host veth: the gateway address and the route back to the container's address.
void route_to_container(cni::Netlink& host, const cni::Link& veth, const cni::IpConfig& ip) {
  host.add_address(veth.index, host_route_of(*ip.gateway), /*nodad=*/ip.gateway->is_v6(), /*exist_ok=*/true);
  cni::RouteEntry back;
  back.dst = host_route_of(ip.address.ip);
  back.oif = veth.index;
  back.scope = RT_SCOPE_HOST;  // the reference's (ip.AddHostRoute), so both leave the same routes
  host.add_route(back, /*exist_ok=*/true);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const PtpConfig c = parse_config(args.conf);
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  const cni::Netns host_ns = cni::Netns::current();
  cni::Netlink host = cni::Netlink::open();
  cni::Rollback undo;  // after what its undo steps use, so it runs before they are gone

  cni::Result result = cni::delegate_add(c.ipam_type, args.stdin_data, args.env);
  undo.push([&] { cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env); });
  if (result.ips.empty()) throw cni::Error(cni::kInternal, "IPAM plugin returned missing IP config");
  for (auto& ip : result.ips) {
    if (!ip.gateway)
      throw cni::Error(cni::kInvalidNetworkConfig, "IPAM gave " + ip.address.str() + " no gateway",
                       "ptp routes every packet through the gateway address on the host veth");
    ip.interface = 1;
  }
  for (int family : {4, 6})
    for (const auto& ip : result.ips)
      if (ip.address.ip.family() == family) {
        cni::step("Could not enable IP forwarding", [&] { cni::enable_forwarding(family); });
        break;
      }

  const cni::VethPair veth = cni::step("failed to create veth \"" + ifname + "\" in netns " + args.env.netns,
                                       [&] { return cni::create_veth_pair(cont, host, host_ns, ifname, c.mtu, std::nullopt); });
  undo.push([&host, index = veth.host.index] { host.delete_link(index); });

  cni::step("failed to configure \"" + ifname + "\" in netns " + args.env.netns, [&] {
    cni::IfaceOptions o;
    o.interface_index = 1;
    cni::configure_iface(ns, cont, ifname, result, o);
    for (const auto& ip : result.ips) route_through_gateway(cont, veth.container.index, ip);
  });
  cni::step("failed to set up host veth \"" + veth.host.name + "\"", [&] {
    host.set_up(veth.host.index);
    for (const auto& ip : result.ips) route_to_container(host, veth.host, ip);
  });
  if (c.masq.enabled) {
    const cni::Attachment att = attachment(args);
    cni::step("failed to set up IP masquerade", [&] { cni::masq_add(c.masq.backend, att, addresses(result)); });
    undo.push([att] { cni::masq_del(att); });
  }

  auto host_now = host.link(veth.host.index);
  result.interfaces = {{veth.host.name, cni::mac_str(host_now ? host_now->mac : veth.host.mac)},
                       {ifname, cni::mac_str(veth.container.mac), std::nullopt, args.env.netns}};
  if (c.dns && !c.dns->empty()) result.dns = *c.dns;
  undo.commit();
  return result;
}

// Rules are found by the attachment, not by the container's addresses, so they go even when
// the netns or the link is already gone (the reference leaks them then).
void cmd_del(const cni::CmdArgs& args) {
  std::optional<cni::Error> masq_error;
  try {
    cni::masq_del(attachment(args));
  } catch (const cni::Error& e) {
    masq_error = e;
  }
  cni::delete_container_link(args, args.conf.ipam_type());  // the host end goes with it
  if (masq_error) throw *masq_error;
}

void cmd_check(const cni::CmdArgs& args) {
  const PtpConfig c = parse_config(args.conf);
  cni::check_container_link(args, c.ipam_type, "veth");
  if (c.masq.enabled && !cni::masq_present(c.masq.backend, attachment(args), addresses(*args.conf.prev_result)))
    throw cni::Error(cni::kInternal, "masquerade rules for container " + args.env.container_id + " on " +
                                         args.env.ifname + " are missing");
}

}  // namespace
}  // namespace ptp

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"ptp", "connects containers to the host through routed veth pairs"},
                          {ptp::cmd_add, ptp::cmd_del, ptp::cmd_check,
                           [](const cni::CmdArgs& a) { cni::forward_to_ipam("STATUS", a); },
                           [](const cni::CmdArgs& a) { cni::gc_masq_and_ipam(a, a.conf.ipam_type()); }});
}
