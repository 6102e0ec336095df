// Host port forwarding: DNAT from a port on the host's own addresses to a container, the
// mechanism under portmap and mesos-cni-port-mapper (plugins choose the policy). Rules are
// tagged by attachment (cni/spec/attachment.hpp), so DEL and GC find them without being told the
// mappings, the address or the netns.
//
// nftables layout (docs/port-mapping.md), one table for both plugins:
//   table inet cnipp_hostport
//     prerouting      nat hook prerouting priority dstnat: fib daddr type local jump <chain>
//     output          nat hook output priority dstnat: the same
//     <chain>         one DNAT rule per mapping: "hostports" for portmap, the Mesos config's
//                     "chain" for the port mapper; never for ::1, and for 127.0.0.0/8 only
//                     where the plugin forwards localhost
//     masquerading    nat hook postrouting priority srcnat: hairpin/localhost masquerade
//     localnet_guard  filter hook input: drops new connections to 127.0.0.0/8 that arrive from
//                     another interface (what route_localnet would otherwise let in)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/spec/attachment.hpp"
#include "cni/base/ip.hpp"
#include "cni/kernel/nft_conditions.hpp"
#include "cni/spec/result.hpp"

namespace cni::hostport {

inline constexpr const char* kTable = "cnipp_hostport";

// "tcp", "udp", "sctp" (any case) -> IPPROTO_*; nullopt for anything else.
std::optional<uint8_t> parse_proto(std::string_view name);
std::string proto_name(uint8_t proto);

struct Mapping {
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  uint8_t proto = 6;               // IPPROTO_TCP
  std::optional<IpAddr> host_ip;   // only traffic to this host address; nullopt: every one
};

// A validated mapping from a config's values: ports 1-65535, protocol tcp/udp/sctp (any
// case; empty means tcp), host_ip empty or an address. Throws Error(kInvalidNetworkConfig)
// naming `where` (e.g. "runtimeConfig.portMappings[2]").
Mapping make_mapping(int64_t host_port, int64_t container_port, const std::string& protocol,
                     const std::string& host_ip, const std::string& where);

// The container's addresses in a result, the reference portmap's selection: the first IPv4
// and the first IPv6 address, skipping those whose interface index names a known interface
// that is not `ifname` inside a sandbox.
struct ContainerAddresses {
  std::optional<Cidr> v4, v6;
};
ContainerAddresses container_addresses(const Result& r, const std::string& ifname);

// The chain a plugin's DNAT rules live in.
struct Chain {
  std::string name;
};
// Names the table uses itself; a plugin's chain may not take one.
bool reserved_chain_name(const std::string& name);

// One address family of one attachment.
struct Forward {
  Cidr container;                          // the container's address with its prefix
  std::vector<Mapping> mappings;           // host_ip, when set, of the same family
  std::vector<nft::Condition> conditions;  // extra matches on every DNAT rule
};

struct Options {
  bool snat = false;      // masquerade DNATed traffic from the container's subnet (hairpin)
                          // and from 127.0.0.0/8 (localhost), so replies come back through us
  bool masq_all = false;  // masquerade DNATed traffic from every source instead
  bool localhost = false; // forward 127.0.0.0/8 too (needs snat and route_localnet; IPv6 has
                          // no route_localnet, so ::1 is never forwarded)
  std::vector<std::string> exclude_iifnames;  // traffic arriving on these is not forwarded
};

// Replaces whatever rules the attachment has with these, in one transaction, then flushes
// the conntrack entries of the UDP host ports involved (failures there are only logged).
void add(const Chain& chain, const Attachment& a, const Options& o, const std::vector<Forward>& forwards);
// Removes the attachment's rules from every chain of the table and flushes the conntrack
// entries of the UDP host ports they mapped. Nothing to remove is success.
void del(const Attachment& a);
// What add() would have made and is missing (or extra), in words; empty when it all holds.
std::string check(const Chain& chain, const Attachment& a, const Options& o, const std::vector<Forward>& forwards);
// Removes the rules in `chain` (and masquerading) of `network`'s attachments that are not
// in `keep`.
void gc(const Chain& chain, const std::string& network, const std::vector<Attachment>& keep);

// net.ipv4.conf.<link>.route_localnet=1 on the host link that routes to `container`, so
// 127.0.0.1 may cross to it (localhost forwarding). No route: nothing to do.
void enable_localnet_routing(const IpAddr& container);

}  // namespace cni::hostport

// The reference portmap's iptables layout, for configs that ask for "backend": "iptables":
// the same chains (CNI-HOSTPORT-DNAT, CNI-DN-<hash>, CNI-HOSTPORT-SETMARK, CNI-HOSTPORT-MASQ)
// and rules, so a host where our portmap and the reference's both run keeps one consistent
// nat table and either one's DEL removes the other's chain for the same network and
// container. Written with one iptables-restore per family and change. The reference names
// the chain by network and container ID only, so this backend cannot tell two interfaces
// of one container on one network apart.
namespace cni::hostport::iptables {

struct Options {
  bool snat = true;
  bool masq_all = false;
  int mark_bit = 13;
  std::string external_set_mark_chain;  // non-empty: jump there instead of SETMARK
  std::vector<std::string> conditions_v4, conditions_v6;  // iptables arguments, verbatim
  // Every mapping of the config, in order: the entry rules of both families list all their
  // ports, as the reference's do (a port of the other family's hostIP included).
  std::vector<Mapping> mappings;
};

// "CNI-DN-" + sha512(network + containerID) in lowercase hex, cut to 28 characters.
std::string dnat_chain(const Attachment& a);

void add(const Attachment& a, const Options& o, const std::vector<Forward>& forwards);
// Both families; a family whose iptables is not there, or holds no chain of ours, is skipped.
void del(const Attachment& a);
std::string check(const Attachment& a, const Options& o, const std::vector<Forward>& forwards);
// Tears down the chains whose entry rule names `network` and a container not in `keep`.
void gc(const std::string& network, const std::vector<Attachment>& keep);
// Whether iptables-restore is installed (STATUS).
bool available();
// Deletes the IPv4 nat rules of `chain` whose comment contains `comment` (Mesos's own port
// mapper tags its rules "container_id: <id>"), leaving the chain. Nothing to do when the
// chain does not exist, or iptables is not installed.
void delete_commented(const std::string& chain, const std::string& comment);

}  // namespace cni::hostport::iptables
