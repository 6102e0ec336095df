// What the plugins that give a container a link of its own share (macvlan, vlan, ipvlan,
// dummy, tap, host-device): opening the container's namespace, finding the default-route
// link, creating a link directly inside the container, ADD's address half, DEL, and the
// common part of CHECK. Each plugin keeps only its policy: which link, with which options.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "cni/net/iface.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/spec/result.hpp"
#include "cni/base/rollback.hpp"
#include "cni/spec/skel.hpp"

namespace cni {

// The container's namespace for ADD and CHECK; Error(kInvalidEnvironment) when the path
// does not exist, as for a path that is not a namespace.
Netns open_container_netns(const std::string& path);

// The container side of an ADD: its namespace and a netlink socket bound there, with
// CNI_IFNAME still free (Error(kInvalidEnvironment) when taken: checked before anything is
// created or allocated, the spec's MUST).
struct ContainerSide {
  Netns ns;
  Netlink nl;
};
ContainerSide open_for_add(const CmdArgs& args);

// Where the master of a link made over one (macvlan, vlan, ipvlan) lives: our namespace, or
// the container's with linkInContainer.
class MasterSide {
 public:
  MasterSide(bool in_container, Netlink& container);
  Netlink& nl() { return nl_; }
  // The master `name`; Error(kInvalidNetworkConfig) when it is absent or when `mtu` (non-zero)
  // exceeds the master's MTU, which a link over it cannot.
  Link find(const std::string& name, int mtu = 0);

 private:
  std::optional<Netlink> own_;
  Netlink& nl_;
};

// The link of the first default route (IPv4 first, then IPv6) in `nl`'s namespace; code 7
// "no default route interface found" when there is none.
std::string default_route_interface(Netlink& nl);

// Creates `spec` (spec.name is CNI_IFNAME) so that it is born inside the container:
// `creator` is a socket where spec.parent lives, with spec.netns_fd the container's
// namespace, or the container's own socket with netns_fd -1. Kernels that check the name in
// the creating namespace refuse a name the host already uses (EEXIST for eth0 when the host
// has one): then the link is born in the container under a random name and renamed there,
// never seen in the host. Returns the link as the container sees it.
Link create_container_link(Netlink& creator, Netlink& container, NewLink spec);

// ADD's address half for a link named CNI_IFNAME that now exists in the container. With
// `ipam_type`: IPAM ADD (its DEL pushed on `undo`), at least one IP, every IP bound to
// interface 0, the link configured (configure_iface with `iface`). Without: the link is set
// up (an L2-only attachment). Returns IPAM's result with interfaces = [{ifname, mac, sandbox}].
Result attach_addresses(const CmdArgs& args, const std::string& ipam_type, Rollback& undo, Netns& ns, Netlink& cont,
                        IfaceOptions iface);

// ADD's tail once CNI_IFNAME exists in the container (vlan, macvlan, ipvlan, tap, dummy):
// `attach` runs with a rollback that already deletes the link, so a failure in it (IPAM,
// addresses, the plugin's own link settings) leaves nothing behind, and what it pushes
// (IPAM's DEL) is undone too. The config's `dns`, when it sets something, goes into the
// result `attach` returns.
Result finish_link_add(Netlink& cont, const std::string& ifname, const std::optional<Dns>& dns,
                       const std::function<Result(Rollback&)>& attach);

// Refuses an ADD whose result the config's version cannot print (0.1.0/0.2.0 need an IP),
// before anything is created.
void require_expressible(const NetConf& conf, bool has_ipam, const std::string& plugin);

// DEL: IPAM DEL (when `ipam_type` is set) and the link CNI_IFNAME deleted in CNI_NETNS. An
// empty or vanished netns, or a link already gone, is success; the link is deleted even
// when IPAM fails, and IPAM's error is then reported.
void delete_container_link(const CmdArgs& args, const std::string& ipam_type);

// CHECK's common part: IPAM CHECK (when set), prevResult required, its interface named
// CNI_IFNAME whose sandbox is CNI_NETNS, that link present with `kind` ("" skips the kind)
// and the prevResult's MAC, and every address and route of the prevResult on it. Returns
// the link for the plugin's own checks.
Link check_container_link(const CmdArgs& args, const std::string& ipam_type, const std::string& kind);

// STATUS or GC for a plugin whose only state is its IPAM's: passed to the config's IPAM
// plugin; without one, STATUS is "ready" and GC has nothing to collect.
void forward_to_ipam(const char* verb, const CmdArgs& args);

// The skeleton callbacks of such a plugin: its own ADD, DEL and CHECK; STATUS and GC
// forwarded to IPAM.
Callbacks ipam_state_callbacks(std::function<Result(const CmdArgs&)> add, std::function<void(const CmdArgs&)> del,
                               std::function<void(const CmdArgs&)> check);

}  // namespace cni
