// A subnet lease as the store holds it (`subnets/<key>`), and the checks every lease read
// from the store passes before it may reach the kernel. Whoever can write the store can
// otherwise steer every agent's routing table, so a lease is believed only when it is a
// well-formed member of the pool that claims nothing this agent or an older lease holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cni/base/ip.hpp"
#include "cni/kernel/netlink.hpp"
#include "network.hpp"

namespace overlay {

inline constexpr size_t kMaxLeaseBytes = 4096;

struct Lease {
  std::string key;  // the store's name for it, lease_key(subnet)
  std::string node;
  cni::Cidr subnet;
  cni::IpAddr underlay_ip;
  cni::Mac vtep_mac{};

  std::string encode() const;  // the znode's data
  // Parses `data` stored under `key` and checks it against `net`. Throws
  // cni::Error(kDecodingFailure or kInvalidNetworkConfig) saying what is wrong.
  static Lease decode(std::string_view key, std::string_view data, const NetworkConfig& net);
  bool operator==(const Lease&) const = default;
};

// The VTEP MAC of an agent: locally administered unicast 0e:cc plus the IPv4 underlay
// address, so a restarted daemon (or a recreated device) keeps it and peers' FDB rows stay
// right (flannel #1795 is what a MAC that changes on restart costs).
cni::Mac vtep_mac_for(const cni::IpAddr& underlay_ip);
bool is_local_unicast_mac(const cni::Mac& mac);

// One lease znode as read, before anything believes it.
struct StoredLease {
  std::string key;
  std::string data;
  int64_t created = 0;  // store-wide creation order (ZooKeeper's czxid): older wins a conflict
};

// What this agent knows about itself, to refuse leases that claim it.
struct Self {
  std::string node;
  std::optional<cni::Cidr> subnet;
  cni::IpAddr underlay_ip;
};

struct Rejected {
  std::string key;
  std::string reason;
};

struct PeerSet {
  std::optional<Lease> own;   // this node's lease, when it is valid
  std::vector<Lease> peers;   // every other valid lease, sorted by key
  std::vector<Rejected> rejected;
};

// Sorts `stored` into this agent's own lease, believable peers and rejects. A peer is
// refused when it does not decode, claims this agent's node ID, subnet or underlay address,
// or repeats the node ID, VTEP MAC or underlay address of an older valid lease.
PeerSet select_peers(const std::vector<StoredLease>& stored, const NetworkConfig& net, const Self& self);

}  // namespace overlay
