// The tap plugin: policy only. Gives a container a tap device (for a VM or a userspace
// network stack inside it), the reference's plugins/main/tap of its newest release, made
// through /dev/net/tun inside the container rather than by running `ip tuntap`.
#include <unistd.h>

#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/skel.hpp"
#include "cni/kernel/tuntap.hpp"
#include "config.hpp"

namespace tap {
namespace {

// The reference labels the tap by running `ip` under an SELinux exec label; without running
// a binary there is no way to give a device another label than our own.
void check_selinux(const TapConfig& c) {
  if (c.selinux_context.empty() || ::access("/sys/fs/selinux/enforce", F_OK) != 0) return;  // nothing to label
  throw cni::Error(cni::kUnsupportedField, "\"selinuxContext\" is not supported on a host with SELinux enabled",
                   "the tap would carry the plugin's own label; use the reference's tap plugin for labelled taps");
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const TapConfig c = parse_config(args.conf, args.env.args);
  cni::require_expressible(args.conf, !c.ipam_type.empty(), "tap");
  check_selinux(c);
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  std::optional<cni::Link> bridge;
  if (!c.bridge.empty()) {
    bridge = cont.link(c.bridge);
    if (!bridge || bridge->kind != "bridge")
      throw cni::Error(cni::kInvalidNetworkConfig, "failed to find bridge \"" + c.bridge + "\" in " + args.env.netns);
  }

  cni::step("failed to create tap", [&] { ns.run_in([&] { cni::create_tap(ifname, c.tap); }); });
  return cni::finish_link_add(cont, ifname, c.dns, [&](cni::Rollback& undo) {
    cni::step("failed to set up tap \"" + ifname + "\"", [&] {
      auto l = cont.link(ifname);
      if (!l) throw cni::Error(cni::kInternal, "tap vanished after creation");
      if (c.mtu) cont.set_mtu(l->index, c.mtu);
      if (!c.mac.empty()) cont.set_mac(l->index, *cni::mac_parse(c.mac));
      if (bridge) cont.set_master(l->index, bridge->index);
    });
    return cni::attach_addresses(args, c.ipam_type, undo, ns, cont, {});
  });
}

void cmd_del(const cni::CmdArgs& args) { cni::delete_container_link(args, args.conf.ipam_type()); }

void cmd_check(const cni::CmdArgs& args) {
  const TapConfig c = parse_config(args.conf, args.env.args);
  cni::check_container_link(args, c.ipam_type, "tun");
}

}  // namespace
}  // namespace tap

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"tap", "gives containers a tap device"},
                          cni::ipam_state_callbacks(tap::cmd_add, tap::cmd_del, tap::cmd_check));
}
