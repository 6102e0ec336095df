// rtnetlink for plugins: one NETLINK_ROUTE socket bound to one network namespace, every
// request ACKed, the kernel's extended-ACK text carried into Error::details, interrupted
// dumps retried. Built on libmnl (see docs/netlink.md for why not libnl's caches).
// Plugins use this class only; they never see a netlink message.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cni/ip.hpp"

struct nlmsghdr;

namespace cni {

class Netns;
namespace detail {
struct RtnlAccess;  // libcni's other rtnetlink files (netlink_raw.hpp)
}

using Mac = std::array<uint8_t, 6>;
std::string mac_str(const Mac& m);                  // "aa:bb:cc:dd:ee:ff"
std::optional<Mac> mac_parse(const std::string& s);  // accepts upper/lower hex

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // IFLA_INFO_KIND: "bridge", "veth", "ipvlan", ... ("" for plain devices)
  Mac mac{};
  int mtu = 0;
  int master = 0;  // IFLA_MASTER
  int link = 0;    // IFLA_LINK: a veth's peer index, an ipvlan's parent index
  bool has_link_netnsid = false;  // the IFLA_LINK index lives in another namespace
  bool up = false;                // IFF_UP
  bool promisc = false;           // IFF_PROMISC
  bool oper_up = false;           // IF_OPER_UP
  bool allmulti = false;          // IFF_ALLMULTI
  int txqlen = -1;                // IFLA_TXQLEN (-1: not reported)
  int ipvlan_mode = -1;           // IFLA_IPVLAN_MODE for ipvlan links
};

struct Address {
  Cidr cidr;
  int scope = 0;
  uint32_t flags = 0;  // IFA_F_*
  bool tentative() const;
  bool dad_failed() const;
};

struct RouteEntry {
  Cidr dst;
  std::optional<IpAddr> gw;
  int oif = 0;
  int table = 254;  // RT_TABLE_MAIN
  int scope = 0;    // RT_SCOPE_UNIVERSE
  std::optional<uint32_t> priority;
  std::optional<uint32_t> mtu, advmss;
};

enum class IpvlanMode { l2 = 0, l3 = 1, l3s = 2 };

struct BridgeVlan {
  int vid = 0;
  bool pvid = false;
  bool untagged = false;
};

class Netlink {
 public:
  static Netlink open();                      // in the caller's namespace
  static Netlink open_in(const Netns& netns);  // enters `netns` once to bind the socket there
  Netlink(Netlink&&) noexcept;
  Netlink& operator=(Netlink&&) noexcept;
  ~Netlink();

  // Links.
  std::optional<Link> link(const std::string& name);
  std::optional<Link> link(int index);
  std::vector<Link> links();
  // Returns false (and changes nothing) when a link of that name exists already.
  bool create_bridge(const std::string& name, int mtu, bool vlan_filtering);
  // Creates `name` in this socket's namespace and its peer `peer_name` directly in the
  // namespace `peer_netns_fd`, both under their final names.
  void create_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd, int mtu,
                   const std::optional<Mac>& mac);
  // Creates an ipvlan over `master_index` (of this namespace) named `name` directly in
  // `target_netns_fd` (-1: here).
  void create_ipvlan(const std::string& name, int master_index, IpvlanMode mode, int mtu, int target_netns_fd);
  void create_dummy(const std::string& name);
  void create_vlan(const std::string& name, int parent_index, int vid);
  bool delete_link(int index);  // false when it did not exist
  bool delete_link(const std::string& name);
  void rename(int index, const std::string& name);
  void set_up(int index, bool up = true);
  void set_master(int index, int master_index);  // 0 detaches
  void set_mtu(int index, int mtu);
  void set_mac(int index, const Mac& mac);
  void set_promisc(int index, bool on);
  // Bridge port flags (IFLA_PROTINFO): hairpin (IFLA_BRPORT_MODE), isolated.
  void set_bridge_port(int index, std::optional<bool> hairpin, std::optional<bool> isolated);
  std::optional<bool> bridge_port_flag(int index, int brport_attr);  // e.g. IFLA_BRPORT_MODE
  void bridge_vlan_add(int index, const BridgeVlan& v);
  void bridge_vlan_del(int index, int vid);
  std::vector<BridgeVlan> bridge_vlans(int index);

  // Addresses.
  // exist_ok: the same address already there is success (concurrent ADDs ensuring one gateway).
  void add_address(int index, const Cidr& addr, bool nodad = false, bool exist_ok = false);
  bool del_address(int index, const Cidr& addr);
  std::vector<Address> addresses(int index, int family = 0);  // family 0: both

  // Routes.
  // exist_ok: an identical route already present is success (duplicate routes in a result).
  void add_route(const RouteEntry& r, bool exist_ok = false);
  bool del_route(const RouteEntry& r);
  std::vector<RouteEntry> routes(int family, int table = 254);
  // The output link the kernel would use for `dst` (RTM_GETROUTE); nullopt when unreachable.
  std::optional<int> route_oif(const IpAddr& dst);

 private:
  friend struct detail::RtnlAccess;
  struct Impl;
  explicit Netlink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A random "veth1a2b3c4d" name, the reference's host-side veth naming.
std::string random_veth_name();

}  // namespace cni
