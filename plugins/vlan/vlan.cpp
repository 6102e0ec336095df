// The vlan plugin: policy only. Gives a container an 802.1Q link on a host interface (the
// reference's plugins/main/vlan), born inside the container.
#include <optional>

#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/skel.hpp"
#include "config.hpp"

namespace vlan {
namespace {

cni::Result cmd_add(const cni::CmdArgs& args) {
  const VlanConfig c = parse_config(args.conf);
  cni::require_expressible(args.conf, !c.ipam_type.empty(), "vlan");
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  cni::MasterSide masters(c.link_in_container, cont);
  const cni::Link master = masters.find(c.master, c.mtu);

  cni::NewLink spec;
  spec.name = ifname;
  spec.kind = "vlan";
  spec.parent = master.index;
  spec.mtu = c.mtu;
  spec.vlan_id = c.vlan_id;
  spec.netns_fd = c.link_in_container ? -1 : ns.fd();
  cni::step("failed to create vlan", [&] { cni::create_container_link(masters.nl(), cont, spec); });
  // Unlike the reference, a failure after this point (IPAM, addresses) removes the link.
  cni::IfaceOptions o;
  o.enable_dad = true;
  return cni::finish_link_add(cont, ifname, c.dns, [&](cni::Rollback& undo) {
    return cni::attach_addresses(args, c.ipam_type, undo, ns, cont, o);
  });
}

// Never looks the master up: a DEL after the master is gone still releases the lease (the
// reference's DEL fails then).
void cmd_del(const cni::CmdArgs& args) { cni::delete_container_link(args, args.conf.ipam_type()); }

void cmd_check(const cni::CmdArgs& args) {
  const VlanConfig c = parse_config(args.conf);
  const cni::Link l = cni::check_container_link(args, c.ipam_type, "vlan");
  if (l.vlan_id != c.vlan_id)
    throw cni::Error(cni::kInternal, "Error: Container interface " + args.env.ifname + " has VLAN ID " +
                                         std::to_string(l.vlan_id) + ", configured " + std::to_string(c.vlan_id));
  if (c.mtu != 0 && l.mtu != c.mtu)
    throw cni::Error(cni::kInternal, "Error: Container interface " + args.env.ifname + " has MTU " + std::to_string(l.mtu) +
                                         ", configured " + std::to_string(c.mtu));
}

}  // namespace
}  // namespace vlan

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"vlan", "gives containers an 802.1Q VLAN link on a host interface"},
                          cni::ipam_state_callbacks(vlan::cmd_add, vlan::cmd_del, vlan::cmd_check));
}
