// The macvlan plugin: policy only. Gives a container a macvlan link over a host interface
// (the reference's plugins/main/macvlan), born inside the container, so tasks sit straight
// on the master's LAN.
#include <optional>

#include "builtin_ipam.hpp"
#include "cni/container_link.hpp"
#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "cni/skel.hpp"
#include "config.hpp"

namespace macvlan {
namespace {

// The master's namespace: the container's own with linkInContainer, else ours.
struct MasterSide {
  std::optional<cni::Netlink> host;
  cni::Netlink& nl;
  MasterSide(const MacvlanConfig& c, cni::Netlink& container)
      : host(c.link_in_container ? std::nullopt : std::optional<cni::Netlink>(cni::Netlink::open())),
        nl(c.link_in_container ? container : *host) {}
};

cni::Link find_master(const MacvlanConfig& c, cni::Netlink& nl) {
  const std::string name = c.master.empty() ? cni::default_route_interface(nl) : c.master;
  auto m = nl.link(name);
  if (!m) throw cni::Error(cni::kInvalidNetworkConfig, "failed to lookup master \"" + name + "\": no such interface");
  return *m;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const MacvlanConfig c = parse_config(args.conf, args.env.args);
  cni::require_expressible(args.conf, !c.ipam_type.empty(), "macvlan");
  const std::string& ifname = args.env.ifname;
  cni::Netns ns = cni::open_container_netns(args.env.netns);
  cni::Netlink cont = cni::Netlink::open_in(ns);
  if (cont.link(ifname))
    throw cni::Error(cni::kInvalidEnvironment, "interface \"" + ifname + "\" already exists in " + args.env.netns);
  MasterSide side(c, cont);
  const cni::Link master = find_master(c, side.nl);
  if (c.mtu > master.mtu)
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid MTU " + std::to_string(c.mtu) + ", must be [0, master MTU(" +
                                                     std::to_string(master.mtu) + ")]");

  cni::NewLink spec;
  spec.name = ifname;
  spec.kind = "macvlan";
  spec.parent = master.index;
  spec.mtu = c.mtu;
  if (!c.mac.empty()) spec.mac = cni::mac_parse(c.mac);
  spec.macvlan_mode = c.mode;
  spec.netns_fd = c.link_in_container ? -1 : ns.fd();
  cni::step("failed to create macvlan", [&] { cni::create_container_link(side.nl, cont, spec); });
  cni::Rollback undo;
  undo.push([&] { cont.delete_link(ifname); });

  cni::IfaceOptions o;
  o.enable_dad = true;  // on a real LAN another host may hold the address: DAD, awaited within a bound
  o.ndisc_notify = true;
  cni::Result result = cni::attach_addresses(args, c.ipam_type, undo, ns, cont, o);
  if (c.dns && !c.dns->empty()) result.dns = *c.dns;
  undo.commit();
  return result;
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
  MasterSide side(c, cont);
  const cni::Link master = find_master(c, side.nl);
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
