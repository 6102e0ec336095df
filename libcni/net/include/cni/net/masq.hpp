// Per-attachment masquerade (SNAT to the host's address for traffic leaving the subnet),
// and MAC spoof checking. Rules are keyed by the attachment (network, containerID, ifname)
// through their comments, never by an address read back from the container, so teardown
// works after the container's netns or link is gone (the reference leaks them then:
// containernetworking/plugins#810).
//
// nftables (default): table `inet cni_plugins_masquerade`, the reference's own layout, so a
// host running both sees one consistent table. iptables: only when a config asks for it,
// through iptables-restore, in the reference's CNI-<hash> chain layout.
#pragma once

#include <string>
#include <vector>

#include "cni/spec/attachment.hpp"
#include "cni/base/ip.hpp"
#include "cni/kernel/netlink.hpp"

namespace cni {

enum class MasqBackend { nftables, iptables };

// `ips`: the container's addresses with their prefix (10.1.0.5/24): traffic from the IP
// to anywhere outside its subnet (and not multicast) is masqueraded. One nftables batch.
void masq_add(MasqBackend backend, const Attachment& a, const std::vector<Cidr>& ips);
// Removes the attachment's rules from both backends; nothing to remove is success.
void masq_del(const Attachment& a);
// True when a rule exists for every IP.
bool masq_present(MasqBackend backend, const Attachment& a, const std::vector<Cidr>& ips);
// Removes the rules of `network`'s attachments that are not in `keep` (nftables backend).
void masq_gc(const std::string& network, const std::vector<Attachment>& keep);

// The reference's iptables chain: "CNI-" + sha512(network + containerID)[:24].
std::string masq_iptables_chain(const Attachment& a);

// macspoofchk: frames from `host_ifname` (the container's bridge port) must carry `mac`.
void spoofcheck_add(const Attachment& a, const std::string& host_ifname, const Mac& mac);
void spoofcheck_del(const Attachment& a);
bool spoofcheck_present(const Attachment& a);

}  // namespace cni
