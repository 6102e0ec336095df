// An overlay network's definition as the store holds it (the `config` znode), and the
// arithmetic of its pool: which per-agent subnets it has and how a lease names one.
// Everything read from the store is untrusted: decode() refuses what could steer routing
// somewhere it must not go (a default route, loopback or multicast space, a pool too small).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cni/base/ip.hpp"

namespace overlay {

inline constexpr uint32_t kMaxVni = (1u << 24) - 1;
inline constexpr int kDefaultPort = 4789;  // IANA's VXLAN port (the kernel's default is 8472)
inline constexpr int kMinSubnets = 4;      // as flannel: a pool smaller than this is a mistake
inline constexpr int kMaxSubnetLen = 30;   // a /30 leaves two addresses: gateway and one task

struct NetworkConfig {
  cni::Cidr subnet;    // the whole overlay range, e.g. 10.244.0.0/16
  int subnet_len = 24;  // each agent's share
  uint32_t vni = 1;
  int port = kDefaultPort;

  // Strict: every key present with the right type, every rule below. Throws
  // cni::Error(kInvalidNetworkConfig) saying what is wrong.
  static NetworkConfig decode(std::string_view json_text);
  std::string encode() const;
  // The rules decode() applies, for values that came from a command line.
  void validate() const;

  uint64_t subnet_count() const { return uint64_t{1} << (subnet_len - subnet.prefix); }
  cni::Cidr subnet_at(uint64_t index) const;
  // The index of `s` in the pool; nullopt when it is not one of the pool's subnets
  // (outside the range, wrong length, host bits set).
  std::optional<uint64_t> index_of(const cni::Cidr& s) const;
  bool operator==(const NetworkConfig&) const = default;
};

// A lease's name in the store: "10.244.3.0-24" (flannel's form: no '/' in a znode name).
std::string lease_key(const cni::Cidr& subnet);
// The inverse; nullopt unless `key` is exactly what lease_key() would write.
std::optional<cni::Cidr> parse_lease_key(std::string_view key);

// Node IDs and network names become store path components and file names:
// ^[A-Za-z0-9][A-Za-z0-9_.-]*$, at most 253 bytes. Throws cni::Error(kInvalidNetworkConfig).
void validate_node_id(const std::string& id);

// An IPv4 address a VTEP can be reached at: not 0/8, loopback, multicast, reserved or
// broadcast.
bool is_unicast_underlay(const cni::IpAddr& ip);

}  // namespace overlay
