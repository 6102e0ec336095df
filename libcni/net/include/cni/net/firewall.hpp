// Forwarding firewall for containers, the mechanism under the firewall plugin: accept
// forwarded traffic from a container's addresses and replies to them, an operator-owned
// "admin" chain evaluated first, and bridge isolation: traffic may not cross between two
// isolated bridges ("same-bridge"), and optionally not between two ports of one bridge
// either ("isolated", Docker's enable_icc=false). Bridged traffic reaches the forward hook
// only through br_netfilter (net.bridge.bridge-nf-call-iptables / -ip6tables in the host's
// namespace), as with the reference's iptables rules.
//
// nftables (default), one table, rules tagged by attachment (cni/spec/attachment.hpp):
//   table inet cnipp_firewall
//     forward            filter hook forward priority filter, policy accept:
//                        jump isolation_stage_1; jump admin; jump allow
//     admin              the operator's (created empty, never changed by us)
//     allow              per attachment: ip[6] daddr IP ct state established,related accept;
//                        ip[6] saddr IP accept
//     isolation_stage_1  per isolated bridge: iifname BR oifname != BR jump isolation_stage_2;
//                        with intra-bridge isolation also iifname BR oifname BR drop
//     isolation_stage_2  per isolated bridge: oifname BR drop
// An nftables accept ends only this table's chain: a drop elsewhere (an iptables FORWARD
// policy of DROP) still applies, which is why a host that filters forwarding with iptables
// gets the iptables backend by default (host_filters_forwarding_with_iptables).
#pragma once

#include <string>
#include <vector>

#include "cni/spec/attachment.hpp"
#include "cni/base/ip.hpp"

namespace cni::firewall {

inline constexpr const char* kTable = "cnipp_firewall";

// Adds the attachment's accept rules (the table and chains made when missing), one batch.
void add(const Attachment& a, const std::vector<Cidr>& ips);
// Removes the attachment's rules; nothing there is success.
void del(const Attachment& a);
// What add() made and is missing, in words; empty when it all holds.
std::string check(const Attachment& a, const std::vector<Cidr>& ips);
// Removes the rules of `network`'s attachments that are not in `keep`.
void gc(const std::string& network, const std::vector<Attachment>& keep);
// Isolation for `bridge` (with `intra_bridge`, also between its own ports): added once,
// never removed (other containers may still be on it), like the reference's.
void isolate_bridge(const std::string& bridge, bool intra_bridge = false);

// True when forwarding on this host goes through iptables' filter table in a way our
// nftables accepts cannot override: the legacy iptables filter table is loaded, or
// iptables-nft's FORWARD chain (ip or ip6) has a DROP policy or any rule.
bool host_filters_forwarding_with_iptables();

}  // namespace cni::firewall

// The reference's iptables layout, byte for byte (filter table, both families): FORWARD
// starts with "-m comment --comment "CNI firewall plugin rules" -j CNI-FORWARD", CNI-FORWARD
// with a jump to the admin chain, then per address "-d IP/32 -m conntrack --ctstate
// RELATED,ESTABLISHED -j ACCEPT" and "-s IP/32 -j ACCEPT"; isolation in
// CNI-ISOLATION-STAGE-1/2 (intra-bridge: "-i BR -o BR ... -j DROP" first in STAGE-1, the
// reference v1.7.0's "isolated" rule; its comment names that policy). A host may run our firewall and the reference's side by side: each
// sees, checks and removes the other's rules. One iptables-save and one iptables-restore per
// family and change.
namespace cni::firewall::iptables {

void add(const std::vector<Cidr>& ips, const std::string& admin_chain);
// Deletes the two rules of each address; chains and jumps stay (shared).
void del(const std::vector<Cidr>& ips);
std::string check(const std::vector<Cidr>& ips, const std::string& admin_chain);
void isolate_bridge(const std::string& bridge, bool v4, bool v6, bool intra_bridge = false);
// Whether iptables and ip6tables (both, as the reference requires) are installed.
bool available();

}  // namespace cni::firewall::iptables
