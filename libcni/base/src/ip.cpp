#include "cni/base/ip.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace cni {

IpAddr IpAddr::v4(uint32_t host_order) {
  IpAddr a;
  a.family_ = 4;
  a.bytes_[0] = static_cast<uint8_t>(host_order >> 24);
  a.bytes_[1] = static_cast<uint8_t>(host_order >> 16);
  a.bytes_[2] = static_cast<uint8_t>(host_order >> 8);
  a.bytes_[3] = static_cast<uint8_t>(host_order);
  return a;
}

IpAddr IpAddr::from_bytes(const uint8_t* bytes, int family) {
  IpAddr a;
  if (family == AF_INET || family == 4) {
    a.family_ = 4;
    std::memcpy(a.bytes_.data(), bytes, 4);
  } else {
    a.family_ = 6;
    std::memcpy(a.bytes_.data(), bytes, 16);
  }
  return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddr a;
  if (text.find(':') == std::string_view::npos) {
    // inet_pton accepts only strict dotted quads, which is what Go's ParseIP accepts too
    // (Go rejects leading zeros since 1.17; inet_pton rejects them as well).
    if (inet_pton(AF_INET, buf, a.bytes_.data()) != 1) return std::nullopt;
    a.family_ = 4;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes_.data()) != 1) return std::nullopt;
  a.family_ = 6;
  // Go treats ::ffff:a.b.c.d as an IPv4 address.
  static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a.bytes_.data(), v4mapped, 12) == 0) {
    IpAddr v;
    v.family_ = 4;
    std::memcpy(v.bytes_.data(), a.bytes_.data() + 12, 4);
    return v;
  }
  return a;
}

int IpAddr::af() const { return is_v4() ? AF_INET : AF_INET6; }

std::string IpAddr::str() const {
  if (!valid()) return "<nil>";
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, bytes_.data(), buf, sizeof buf);
    return buf;
  }
  // glibc's inet_ntop follows RFC 5952 except that it prints IPv4-compatible
  // forms (::a.b.c.d) that Go does not; format by hand to match Go exactly.
  uint16_t w[8];
  for (int i = 0; i < 8; ++i) w[i] = static_cast<uint16_t>(bytes_[2 * i] << 8 | bytes_[2 * i + 1]);
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (w[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && w[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    char h[8];
    auto r = std::to_chars(h, h + sizeof h, w[i], 16);
    out.append(h, r.ptr);
  }
  return out;
}

IpAddr IpAddr::plus(uint64_t n) const {
  IpAddr r = *this;
  int i = static_cast<int>(size()) - 1;
  unsigned carry = 0;
  while (i >= 0 && (n || carry)) {
    unsigned sum = r.bytes_[i] + static_cast<unsigned>(n & 0xff) + carry;
    r.bytes_[i] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
    n >>= 8;
    --i;
  }
  return r;
}

IpAddr IpAddr::next() const { return plus(1); }

IpAddr IpAddr::prev() const {
  IpAddr r = *this;
  for (int i = static_cast<int>(size()) - 1; i >= 0; --i) {
    if (r.bytes_[i]-- != 0) break;
  }
  return r;
}

IpAddr IpAddr::masked(int prefix) const {
  IpAddr r = *this;
  for (int i = 0; i < static_cast<int>(size()); ++i) {
    int keep = prefix - i * 8;
    if (keep >= 8) continue;
    r.bytes_[i] = keep <= 0 ? 0 : static_cast<uint8_t>(r.bytes_[i] & (0xff << (8 - keep)));
  }
  return r;
}

IpAddr IpAddr::last_in(int prefix) const {
  IpAddr r = *this;
  for (int i = 0; i < static_cast<int>(size()); ++i) {
    int keep = prefix - i * 8;
    if (keep >= 8) continue;
    r.bytes_[i] = keep <= 0 ? 0xff : static_cast<uint8_t>(r.bytes_[i] | (0xff >> keep));
  }
  return r;
}

bool IpAddr::is_unspecified() const {
  for (size_t i = 0; i < size(); ++i)
    if (bytes_[i]) return false;
  return valid();
}

bool IpAddr::is_global_unicast() const {
  if (!valid() || is_unspecified()) return false;
  if (is_v4()) {
    uint8_t b0 = bytes_[0];
    if (b0 == 127 || b0 >= 224) return false;                // loopback, multicast, broadcast
    if (b0 == 169 && bytes_[1] == 254) return false;         // link-local
    return true;
  }
  if (bytes_[0] == 0xff) return false;                       // multicast
  if (bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80) return false;  // link-local
  IpAddr loop = *IpAddr::parse("::1");
  return *this != loop;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddr::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  auto p = text.substr(slash + 1);
  if (p.empty() || p.size() > 3 || (p.size() > 1 && p[0] == '0')) return std::nullopt;
  int prefix = 0;
  auto r = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (r.ec != std::errc{} || r.ptr != p.data() + p.size()) return std::nullopt;
  // "::ffff:1.2.3.4/120" style mapped prefixes are out of scope; Go would rebase them.
  if (prefix < 0 || prefix > ip->bits()) return std::nullopt;
  return Cidr{*ip, prefix};
}

std::string Cidr::str() const { return ip.str() + "/" + std::to_string(prefix); }

bool Cidr::contains(const IpAddr& a) const {
  return a.family() == ip.family() && a.masked(prefix) == ip.masked(prefix);
}

bool Cidr::overlaps(const Cidr& o) const {
  if (o.ip.family() != ip.family()) return false;
  return contains(o.ip) || o.contains(ip);
}

}  // namespace cni
