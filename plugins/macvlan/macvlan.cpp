// The macvlan plugin: policy only. Gives a container a macvlan link over a host interface
// (the reference's plugins/main/macvlan), born inside the container, so tasks sit straight
// on the master's LAN.
#include <optional>

#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/skel.hpp"
#include "config.hpp"

namespace macvlan {
namespace {

// The configured master, or the link of the default route where the master lives.
cni::Link find_master(const MacvlanConfig& c, cni::MasterSide& side, int mtu = 0) {
  return side.find(c.master.empty() ? cni::default_route_interface(side.nl()) : c.master, mtu);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const MacvlanConfig c = parse_config(args.conf, args.env.args);
  cni::require_expressible(args.conf, !c.ipam_type.empty(), "macvlan");
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  cni::MasterSide masters(c.link_in_container, cont);
  const cni::Link master = find_master(c, masters, c.mtu);

  cni::NewLink spec;
  spec.name = ifname;
  spec.kind = "macvlan";
  spec.parent = master.index;
  spec.mtu = c.mtu;
  if (!c.mac.empty()) spec.mac = cni::mac_parse(c.mac);
  spec.macvlan_mode = c.mode;
  spec.netns_fd = c.link_in_container ? -1 : ns.fd();
  cni::step("failed to create macvlan", [&] { cni::create_container_link(masters.nl(), cont, spec); });
  cni::IfaceOptions o;
  o.enable_dad = true;  // on a real LAN another host may hold the address: DAD, awaited within a bound
  o.ndisc_notify = true;
  return cni::finish_link_add(cont, ifname, c.dns, [&](cni::Rollback& undo) {
    return cni::attach_addresses(args, c.ipam_type, undo, ns, cont, o);
  });
}

// Needs neither the master nor a valid mode: only the IPAM lease and the link's name (the
// reference's v1.1.1 DEL fails once the master is gone, plugins#954).
void cmd_del(const cni::CmdArgs& args) { cni::delete_container_link(args, args.conf.ipam_type()); }

void cmd_check(const cni::CmdArgs& args) {
  const MacvlanConfig c = parse_config(args.conf, args.env.args);
  const cni::Link l = cni::check_container_link(args, c.ipam_type, "macvlan");
  if (l.macvlan_mode != c.mode)
    throw cni::Error(cni::kInternal, "container macvlan mode " + std::to_string(l.macvlan_mode) +
                                         " does not match expected value: " + c.mode_name);
  cni::Netns ns = cni::open_container_netns(args.env.netns);
  cni::Netlink cont = cni::Netlink::open_in(ns);
  cni::MasterSide masters(c.link_in_container, cont);
  const cni::Link master = find_master(c, masters);
  if (l.link != master.index)
    throw cni::Error(cni::kInternal, "container macvlan " + args.env.ifname + " is not on master " + master.name);
}

}  // namespace
}  // namespace macvlan

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"macvlan", "gives containers a macvlan link over a host interface"},
                          cni::ipam_state_callbacks(macvlan::cmd_add, macvlan::cmd_del, macvlan::cmd_check));
}
