// The dummy plugin: policy only. Gives a container a dummy link carrying IPAM's addresses
// (the reference's plugins/main/dummy, v1.2.0+). Created inside the container, so a host
// link of the same name (eth0) never clashes with it (the reference before v1.9.0 did).
#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/skel.hpp"

namespace dummy {
namespace {

std::string ipam_of(const cni::NetConf& conf) {
  auto type = conf.ipam_type();
  if (type.empty()) throw cni::Error(cni::kInvalidNetworkConfig, "dummy interface requires an IPAM configuration");
  return type;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const std::string ipam = ipam_of(args.conf);
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  cni::NewLink spec;
  spec.name = ifname;
  spec.kind = "dummy";
  cni::step("failed to create dummy", [&] { cni::create_container_link(cont, cont, spec); });
  // No "dns" of its own in the result (as before): std::nullopt.
  return cni::finish_link_add(cont, ifname, std::nullopt, [&](cni::Rollback& undo) {
    return cni::attach_addresses(args, ipam, undo, ns, cont, {});
  });
}

void cmd_del(const cni::CmdArgs& args) { cni::delete_container_link(args, args.conf.ipam_type()); }

void cmd_check(const cni::CmdArgs& args) {
  const cni::Link l = cni::check_container_link(args, ipam_of(args.conf), "dummy");
  if (!l.up) throw cni::Error(cni::kInternal, "Error: Container interface " + args.env.ifname + " is down");
}

}  // namespace
}  // namespace dummy

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"dummy", "gives containers a dummy link carrying IPAM's addresses"},
                          cni::ipam_state_callbacks(dummy::cmd_add, dummy::cmd_del, dummy::cmd_check));
}
