// Connection tracking entries over ctnetlink (libmnl): the one operation port forwarding
// needs. A UDP "connection" that conntrack saw before a port mapping existed (or while a
// previous container held the port) keeps its old translation for as long as packets keep
// flowing, so a new mapping would never see them (containernetworking/plugins#123, #1190).
#pragma once

#include <cstdint>
#include <vector>

namespace cni::conntrack {

// Deletes the entries (IPv4 and IPv6) whose original direction is `l4proto` (IPPROTO_UDP,
// ...) to one of `dst_ports`, whatever the addresses. Returns how many went. An entry that
// vanishes meanwhile is not an error. Throws Error(kIoFailure).
//
// Cost: the kernel's dump walks its whole conntrack hash, which all namespaces share
// (262144 buckets on a 24 GiB machine: ~10 ms), so the dump is skipped when this namespace
// tracks no connection at all (net.netfilter.nf_conntrack_count is per namespace).
int delete_by_dst_port(uint8_t l4proto, const std::vector<uint16_t>& dst_ports);

}  // namespace cni::conntrack
