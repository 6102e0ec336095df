// IPv4/IPv6 addresses and CIDR arithmetic, with text forms identical to Go's net package
// (host-local names lease files after them, so the text must match byte for byte).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cni {

class IpAddr {
 public:
  IpAddr() = default;
  static IpAddr v4(uint32_t host_order);
  static IpAddr from_bytes(const uint8_t* bytes, int family);  // AF_INET: 4 bytes, AF_INET6: 16
  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt when invalid.
  static std::optional<IpAddr> parse(std::string_view text);

  bool is_v4() const { return family_ == 4; }
  bool is_v6() const { return family_ == 6; }
  bool valid() const { return family_ != 0; }
  int family() const { return family_; }  // 4 or 6 (0 when unset)
  int af() const;                          // AF_INET / AF_INET6
  int bits() const { return is_v4() ? 32 : 128; }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return is_v4() ? 4 : 16; }

  // Go's net.IP.String(): IPv6 in RFC 5952 form (lowercase, longest zero run as ::).
  std::string str() const;

  IpAddr next() const;  // +1, wrapping
  IpAddr prev() const;  // -1, wrapping
  IpAddr masked(int prefix) const;
  IpAddr last_in(int prefix) const;  // all host bits set
  // Adds a (possibly large) offset; used for "network + 1" and index arithmetic.
  IpAddr plus(uint64_t n) const;
  bool is_unspecified() const;
  bool is_global_unicast() const;

  auto operator<=>(const IpAddr&) const = default;

 private:
  int family_ = 0;
  std::array<uint8_t, 16> bytes_{};
};

// An address with a prefix length. For a subnet the host bits are zero; for an
// interface address (10.1.2.3/24) they need not be.
struct Cidr {
  IpAddr ip;
  int prefix = 0;

  // Parses "a.b.c.d/n" or "x::y/n"; nullopt when invalid.
  static std::optional<Cidr> parse(std::string_view text);
  std::string str() const;  // "10.1.2.3/24"
  Cidr network() const { return {ip.masked(prefix), prefix}; }
  bool contains(const IpAddr& a) const;
  bool overlaps(const Cidr& other) const;
  bool has_host_bits() const { return ip.masked(prefix) != ip; }
  IpAddr broadcast() const { return ip.last_in(prefix); }

  bool operator==(const Cidr&) const = default;
};

}  // namespace cni
