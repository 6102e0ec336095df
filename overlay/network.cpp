#include "network.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"

namespace overlay {

namespace {

[[noreturn]] void invalid(const std::string& msg) { throw cni::Error(cni::kInvalidNetworkConfig, msg); }

// Address space an overlay must never claim: routes into it would capture "this network",
// loopback, multicast or the reserved/broadcast block on every agent.
constexpr const char* kForbidden[] = {"0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3"};

}  // namespace

bool is_unicast_underlay(const cni::IpAddr& ip) {
  if (!ip.is_v4()) return false;
  for (const char* f : kForbidden)
    if (cni::Cidr::parse(f)->contains(ip)) return false;
  return true;
}

void NetworkConfig::validate() const {
  if (!subnet.ip.is_v4()) invalid("the overlay subnet must be IPv4");
  if (subnet.has_host_bits())
    invalid("the overlay subnet " + subnet.str() + " has host bits set (did you mean " + subnet.network().str() + "?)");
  for (const char* f : kForbidden)
    if (subnet.overlaps(*cni::Cidr::parse(f)))
      invalid("the overlay subnet " + subnet.str() + " overlaps " + f + " (this network, loopback, multicast or reserved)");
  if (subnet_len > kMaxSubnetLen) invalid("subnetLen " + std::to_string(subnet_len) + " is longer than /30");
  if (subnet_len < subnet.prefix + 2)
    invalid("subnetLen " + std::to_string(subnet_len) + " leaves fewer than " + std::to_string(kMinSubnets) +
            " subnets in " + subnet.str() + " (it must be at least /" + std::to_string(subnet.prefix + 2) + ")");
  if (vni < 1 || vni > kMaxVni) invalid("vni " + std::to_string(vni) + " is outside 1-16777215");
  if (port < 1 || port > 65535) invalid("port " + std::to_string(port) + " is outside 1-65535");
}

NetworkConfig NetworkConfig::decode(std::string_view text) {
  auto j = cni::parse_json(text, "overlay network config");
  if (!j.is_object()) invalid("overlay network config is not a JSON object");
  for (const char* key : {"subnet", "subnetLen", "vni", "port"})
    if (!j.contains(key)) invalid(std::string("overlay network config has no \"") + key + "\"");
  NetworkConfig c;
  auto s = cni::get_string(j, "subnet");
  auto cidr = cni::Cidr::parse(s);
  if (!cidr) invalid("overlay network config: \"subnet\" is not a CIDR: \"" + s + "\"");
  c.subnet = *cidr;
  c.subnet_len = static_cast<int>(*cni::get_int(j, "subnetLen", 0, 32));
  c.vni = static_cast<uint32_t>(*cni::get_int(j, "vni", 0, UINT32_MAX));
  c.port = static_cast<int>(*cni::get_int(j, "port", 0, 65535));
  c.validate();
  return c;
}

std::string NetworkConfig::encode() const {
  nlohmann::ordered_json j;
  j["subnet"] = subnet.str();
  j["subnetLen"] = subnet_len;
  j["vni"] = vni;
  j["port"] = port;
  return j.dump();
}

cni::Cidr NetworkConfig::subnet_at(uint64_t index) const {
  return {subnet.ip.plus(index << (32 - subnet_len)), subnet_len};
}

std::optional<uint64_t> NetworkConfig::index_of(const cni::Cidr& s) const {
  if (!s.ip.is_v4() || s.prefix != subnet_len || s.has_host_bits() || !subnet.contains(s.ip)) return std::nullopt;
  auto value = [](const cni::IpAddr& a) {
    const uint8_t* b = a.data();
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  };
  return (value(s.ip) - value(subnet.ip)) >> (32 - subnet_len);
}

std::string lease_key(const cni::Cidr& subnet) { return subnet.ip.str() + "-" + std::to_string(subnet.prefix); }

std::optional<cni::Cidr> parse_lease_key(std::string_view key) {
  auto dash = key.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto ip = cni::IpAddr::parse(key.substr(0, dash));
  if (!ip || !ip->is_v4()) return std::nullopt;
  auto p = key.substr(dash + 1);
  int prefix = -1;
  auto r = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (r.ec != std::errc{} || r.ptr != p.data() + p.size() || prefix < 0 || prefix > 32) return std::nullopt;
  cni::Cidr c{*ip, prefix};
  if (lease_key(c) != key) return std::nullopt;  // leading zeros, "+", spaces: not ours
  return c;
}

void validate_node_id(const std::string& id) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  bool ok = !id.empty() && id.size() <= 253 && alnum(id[0]);
  for (char c : id) ok = ok && (alnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok) invalid("invalid node ID \"" + id + "\": it must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$ (at most 253 bytes)");
}

}  // namespace overlay
