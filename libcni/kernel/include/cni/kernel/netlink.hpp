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

#include "cni/base/ip.hpp"

struct nlmsghdr;

namespace cni {

class Netns;
namespace detail {
struct RtnlAccess;  // libcni's other rtnetlink files (netlink_raw.hpp)
}

using Mac = std::array<uint8_t, 6>;
std::string mac_str(const Mac& m);                  // "aa:bb:cc:dd:ee:ff"
std::optional<Mac> mac_parse(const std::string& s);  // accepts upper/lower hex

// A VXLAN device's identity (IFLA_INFO_DATA of kind "vxlan").
struct VxlanInfo {
  uint32_t vni = 0;
  IpAddr local;         // IFLA_VXLAN_LOCAL (IPv4)
  int port = 0;         // UDP destination port, host order
  int lower_index = 0;  // IFLA_VXLAN_LINK
  bool learning = true;
};

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
  // Container-link plugins (macvlan, vlan, host-device, tap).
  int macvlan_mode = -1;  // IFLA_MACVLAN_MODE (MACVLAN_MODE_*) for macvlan links
  int vlan_id = -1;       // IFLA_VLAN_ID for 802.1Q links
  std::string alias;      // IFLA_IFALIAS (host-device keeps the host name there)
  std::optional<VxlanInfo> vxlan;  // for vxlan links
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
  std::optional<IpAddr> src;  // RTA_PREFSRC
  int protocol = 0;           // RTM_* protocol of a listed route (RTPROT_KERNEL, ...)
  bool onlink = false;  // RTNH_F_ONLINK: the gateway is on the link whatever its address
};

// VXLAN and the neighbour tables (the overlay's datapath, see overlay/reconciler.cpp).
struct VxlanSpec {
  uint32_t vni = 0;
  IpAddr local;         // the underlay address this VTEP sends from (IPv4)
  int port = 4789;      // UDP destination port
  int lower_index = 0;  // the underlay device; 0: none
  int mtu = 0;
  std::optional<Mac> mac;
};

// A neighbour (ARP/NDP) entry, or (fdb()) a forwarding-database entry of a device: for a
// VXLAN device `ip` is the remote VTEP the MAC is reached through.
struct NeighEntry {
  int index = 0;
  std::optional<IpAddr> ip;
  std::optional<Mac> mac;
  uint16_t state = 0;  // NUD_*
  bool permanent() const;
};

enum class IpvlanMode { l2 = 0, l3 = 1, l3s = 2 };

// A link to create with create_link(): kind-specific fields apply to their kind only.
struct NewLink {
  std::string name;
  std::string kind;             // "macvlan", "vlan", "ipvlan", "dummy"
  int parent = 0;               // IFLA_LINK: the master's index in the creating namespace
  int mtu = 0;                  // 0: the kernel's default
  std::optional<Mac> mac;
  int netns_fd = -1;            // IFLA_NET_NS_FD: born in that namespace (-1: here)
  int macvlan_mode = 0;         // MACVLAN_MODE_* (kind "macvlan")
  int vlan_id = 0;              // kind "vlan"
  IpvlanMode ipvlan_mode{};     // kind "ipvlan"
};

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

  // --- container-link plugins (macvlan, vlan, dummy, host-device, tap) ---
  // Creates `l` with NLM_F_EXCL; the error names the kind and the name.
  void create_link(const NewLink& l);
  void set_alias(int index, const std::string& alias);  // "" clears it
  // Moves the link into the namespace `netns_fd` under `new_name` in one request, so the
  // name never exists in the target under anything else (no rename races, no clash).
  void move_to_netns(int index, int netns_fd, const std::string& new_name);
  // ---

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

  // ---- VXLAN, neighbours, FDB (the overlay's datapath) ----
  // Creates a VXLAN device with learning off (every remote is programmed, never learned).
  void create_vxlan(const std::string& name, const VxlanSpec& spec);
  // Adds or overwrites a route (NLM_F_REPLACE): the reconciler converges on what it wants.
  void replace_route(const RouteEntry& r);
  // A permanent neighbour entry ip -> mac on `index`, added or overwritten.
  void replace_neighbour(int index, const IpAddr& ip, const Mac& mac);
  bool del_neighbour(int index, const IpAddr& ip);  // false when it was not there
  std::vector<NeighEntry> neighbours(int index, int family);
  // A permanent FDB entry in the device's own table (NTF_SELF): frames for `mac` go to the
  // remote VTEP `dst`. Replacing keeps one remote per MAC.
  void replace_fdb(int index, const Mac& mac, const IpAddr& dst);
  bool del_fdb(int index, const Mac& mac);  // every remote of `mac`; false when absent
  std::vector<NeighEntry> fdb(int index);

 private:
  friend struct detail::RtnlAccess;
  struct Impl;
  explicit Netlink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A random "veth1a2b3c4d" name, the reference's host-side veth naming.
std::string random_veth_name();

}  // namespace cni
