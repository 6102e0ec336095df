// The kernel operations the bridge policy needs, phrased in the bridge's terms. Implemented
// on libcni's Netlink/Netns/sysctl (kernel.cpp); the policy in plugin.cpp never sees a
// netlink message.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cni/base/ip.hpp"
#include "cni/spec/result.hpp"

namespace bridge {

struct LinkState {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ...
  std::string mac;
  int master = 0;    // ifindex of the master, 0 when none
  int peer = 0;      // veth: the peer's ifindex (in whatever namespace it lives)
  bool promisc = false;
  bool oper_up = false;
};

// Our own (host) network namespace.
class Host {
 public:
  Host();
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  std::optional<LinkState> link(const std::string& name);
  std::optional<LinkState> link(int index);
  // Creates the bridge (EEXIST fine), promisc if asked, checks it is a bridge, accept_ra=0, up.
  LinkState ensure_bridge(const std::string& name, int mtu, bool promisc, bool vlan_filtering);
  // Creates a veth whose end `ifname` is born in the container namespace (with `mac`, `mtu`)
  // and whose host end gets a random veth%08x name. Returns the host end.
  LinkState create_veth(const class Container& c, const std::string& ifname, const std::string& mac, int mtu);
  void delete_link(int index);
  // Host end: up, accept_ra=0, master, hairpin, isolated.
  void attach_port(const LinkState& port, const LinkState& br, bool hairpin, bool isolated);
  // VLANs on a port: drop existing entries unless preserve, add the PVID or the trunk.
  void set_port_vlans(const LinkState& port, int pvid, const std::vector<int>& trunk, bool preserve_default);
  // Puts gw/prefix on the bridge (the reference's ensureAddr, with forceAddress rules).
  void ensure_gateway_addr(const LinkState& br, const cni::Cidr& gw, bool force);
  // Writes 1 to ip_forward / conf/all/forwarding unless already 1.
  void enable_forwarding(int family);
  // Waits (bounded) for the port to be operationally up.
  void wait_oper_up(int index);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The container's network namespace, opened and verified once.
class Container {
 public:
  explicit Container(const std::string& path);  // Error code 4 when not a netns
  ~Container();
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;

  const std::string& path() const { return path_; }
  std::optional<LinkState> link(const std::string& name);
  void set_up(const std::string& name);
  // Sysctls (accept_dad/enhanced_dad, arp_notify), addresses, up, routes, DAD wait.
  void configure(const std::string& ifname, const cni::Result& r, bool enable_dad);
  // Deletes the link; false when it was not there.
  bool delete_link(const std::string& name);
  // Addresses and routes of `ifname` against a result (CHECK).
  void check(const std::string& ifname, const cni::Result& r);
  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// Firewall state keyed by attachment (network, containerID, ifname), never by an address
// read back from the kernel, so DEL works without the container's namespace.
struct Attachment {
  std::string network, container_id, ifname;
};
void masq_add(const Attachment& a, bool iptables, const std::vector<cni::IpConfig>& ips);
void masq_del(const Attachment& a);  // both backends; absent rules are fine
void masq_check(const Attachment& a, bool iptables, const std::vector<cni::IpConfig>& ips);
void spoofcheck_add(const Attachment& a, const std::string& host_veth, const std::string& mac);
void spoofcheck_del(const Attachment& a);

}  // namespace bridge
