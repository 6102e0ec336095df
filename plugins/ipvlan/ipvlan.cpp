// The ipvlan plugin: policy only. Gives a container an ipvlan link over a host interface
// (the reference's plugins/main/ipvlan/ipvlan.go), created directly inside the container.
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/net/iface.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/spec/skel.hpp"
#include "config.hpp"

namespace ipvlan {
namespace {

// `master` when configured; otherwise the single interface of prevResult (in a chain), or
// the default route's interface.
std::string resolve_master(const IpvlanConfig& c, const cni::NetConf& conf, cni::Netlink& master_nl) {
  if (!c.master.empty()) return c.master;
  if (conf.prev_result) {
    const auto& ifs = conf.prev_result->interfaces;
    if (ifs.size() == 1 && !ifs[0].name.empty()) return ifs[0].name;
    throw cni::Error(cni::kInvalidNetworkConfig, "chained master failure. PrevResult lacks a single named interface");
  }
  return cni::default_route_interface(master_nl);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const IpvlanConfig c = parse_config(args.conf, /*for_add=*/true);
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  cni::MasterSide masters(c.link_in_container, cont);
  const cni::Link m = masters.find(resolve_master(c, args.conf, masters.nl()));

  cni::NewLink spec;
  spec.name = ifname;
  spec.kind = "ipvlan";
  spec.parent = m.index;
  spec.mtu = c.mtu;
  spec.ipvlan_mode = c.mode;
  spec.netns_fd = c.link_in_container ? -1 : ns.fd();
  cni::step("failed to create ipvlan", [&] { cni::create_container_link(masters.nl(), cont, spec); });
  // Its own address half: chained, ipvlan takes the IPs of the prevResult. The config's
  // "dns" replaces IPAM's even when empty, as it always has here: set in `attach`.
  return cni::finish_link_add(cont, ifname, std::nullopt, [&](cni::Rollback& undo) {
    cni::Result result;
    if (!c.ipam_type.empty()) {
      result = cni::delegate_add(c.ipam_type, args.stdin_data, args.env);
      undo.push([&] { cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env); });
      if (result.ips.empty()) throw cni::Error(cni::kInternal, "IPAM plugin returned missing IP config");
    } else {
      result = *args.conf.prev_result;  // chained: the IPs someone else allocated
      result.interfaces.clear();
    }
    for (auto& ip : result.ips) ip.interface = 0;
    cni::IfaceOptions o;
    o.enable_dad = true;  // the kernel's default DAD, awaited within a bound, as the reference does
    o.ndisc_notify = true;
    o.interface_index = 0;
    try {
      cni::configure_iface(ns, cont, ifname, result, o);
    } catch (const cni::Error& e) {
      throw e.prefixed("failed to configure \"" + ifname + "\" in " + args.env.netns);
    }
    auto l = cont.link(ifname);
    result.interfaces = {{ifname, l ? cni::mac_str(l->mac) : "", std::nullopt, args.env.netns}};
    if (c.dns) result.dns = *c.dns;
    return result;
  });
}

// Never resolves master (the reference fails DEL without one and no default route): all
// DEL needs is the link's name in the container and the IPAM lease.
void cmd_del(const cni::CmdArgs& args) { cni::delete_container_link(args, parse_config(args.conf).ipam_type); }

void cmd_check(const cni::CmdArgs& args) {
  const IpvlanConfig c = parse_config(args.conf);
  const cni::Link l = cni::check_container_link(args, c.ipam_type, "ipvlan");
  if (l.ipvlan_mode != static_cast<int>(c.mode))
    throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" is not in ipvlan mode " + c.mode_name);
  if (!c.master.empty()) {
    cni::Netns ns = cni::open_container_netns(args.env.netns);
    cni::Netlink mnl = c.link_in_container ? cni::Netlink::open_in(ns) : cni::Netlink::open();
    auto m = mnl.link(c.master);
    if (!m) throw cni::Error(cni::kInternal, "master \"" + c.master + "\" not found");
    if (l.link != m->index)
      throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" is not on master \"" + c.master + "\"");
  }
}

}  // namespace
}  // namespace ipvlan

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"ipvlan", "gives containers an ipvlan link over a host interface"},
                          cni::ipam_state_callbacks(ipvlan::cmd_add, ipvlan::cmd_del, ipvlan::cmd_check));
}
