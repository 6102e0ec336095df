#include "lease.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"

namespace overlay {

namespace {
[[noreturn]] void invalid(const std::string& msg) { throw cni::Error(cni::kInvalidNetworkConfig, msg); }
}  // namespace

cni::Mac vtep_mac_for(const cni::IpAddr& ip) {
  const uint8_t* b = ip.data();
  return {0x0e, 0xcc, b[0], b[1], b[2], b[3]};
}

bool is_local_unicast_mac(const cni::Mac& mac) { return (mac[0] & 0x01) == 0 && (mac[0] & 0x02) != 0; }

std::string Lease::encode() const {
  nlohmann::ordered_json j;
  j["node"] = node;
  j["subnet"] = subnet.str();
  j["underlayIP"] = underlay_ip.str();
  j["vtepMAC"] = cni::mac_str(vtep_mac);
  return j.dump();
}

Lease Lease::decode(std::string_view key, std::string_view data, const NetworkConfig& net) {
  if (data.size() > kMaxLeaseBytes)
    throw cni::Error(cni::kDecodingFailure, "lease data is " + std::to_string(data.size()) + " bytes, more than " +
                                                std::to_string(kMaxLeaseBytes) + " bytes");
  auto key_subnet = parse_lease_key(key);
  if (!key_subnet) invalid("the lease name \"" + std::string(key) + "\" is not a subnet (a.b.c.d-len)");
  auto j = cni::parse_json(data, "lease");
  if (!j.is_object()) throw cni::Error(cni::kDecodingFailure, "lease data is not a JSON object");
  for (const char* k : {"node", "subnet", "underlayIP", "vtepMAC"})
    if (!j.contains(k) || !j[k].is_string()) invalid(std::string("lease has no string \"") + k + "\"");
  Lease l;
  l.key = std::string(key);
  l.node = cni::get_string(j, "node");
  validate_node_id(l.node);
  auto subnet = cni::Cidr::parse(cni::get_string(j, "subnet"));
  if (!subnet) invalid("lease subnet \"" + cni::get_string(j, "subnet") + "\" is not a CIDR");
  l.subnet = *subnet;
  if (l.subnet != *key_subnet)
    invalid("lease subnet " + l.subnet.str() + " differs from its name " + key_subnet->str());
  if (l.subnet.prefix == 0) invalid("lease claims a default route");
  if (!net.index_of(l.subnet))
    invalid("lease subnet " + l.subnet.str() + " is not one of the /" + std::to_string(net.subnet_len) +
            " subnets of " + net.subnet.str());
  auto ip = cni::IpAddr::parse(cni::get_string(j, "underlayIP"));
  if (!ip || !is_unicast_underlay(*ip))
    invalid("lease underlay address \"" + cni::get_string(j, "underlayIP") + "\" is not a unicast IPv4 address");
  l.underlay_ip = *ip;
  auto mac = cni::mac_parse(cni::get_string(j, "vtepMAC"));
  if (!mac || !is_local_unicast_mac(*mac))
    invalid("lease VTEP MAC \"" + cni::get_string(j, "vtepMAC") + "\" is not a locally administered unicast MAC");
  l.vtep_mac = *mac;
  return l;
}

PeerSet select_peers(const std::vector<StoredLease>& stored, const NetworkConfig& net, const Self& self) {
  PeerSet out;
  // Oldest first, so a lease forged later can never displace the one it copies.
  std::vector<const StoredLease*> order;
  for (const auto& s : stored) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(),
                   [](const StoredLease* a, const StoredLease* b) { return a->created < b->created; });
  std::map<std::string, std::string> by_node, by_mac, by_ip;  // value -> key that holds it
  for (const StoredLease* s : order) {
    auto reject = [&](const std::string& why) { out.rejected.push_back({s->key, why}); };
    Lease l;
    try {
      l = Lease::decode(s->key, s->data, net);
    } catch (const cni::Error& e) {
      reject(e.msg());
      continue;
    }
    if (l.node == self.node) {
      if (self.subnet && l.subnet == *self.subnet && !out.own) out.own = l;
      else reject("claims this agent's node ID \"" + self.node + "\"");
      continue;
    }
    if (self.subnet && l.subnet.overlaps(*self.subnet)) {
      reject("claims this agent's subnet " + self.subnet->str());
      continue;
    }
    if (l.underlay_ip == self.underlay_ip) {
      reject("claims this agent's underlay address " + self.underlay_ip.str());
      continue;
    }
    const std::string mac = cni::mac_str(l.vtep_mac), ip = l.underlay_ip.str();
    if (auto it = by_node.find(l.node); it != by_node.end()) {
      reject("repeats the node ID \"" + l.node + "\" of the older lease " + it->second);
      continue;
    }
    if (auto it = by_mac.find(mac); it != by_mac.end()) {
      reject("repeats the VTEP MAC " + mac + " of the older lease " + it->second);
      continue;
    }
    if (auto it = by_ip.find(ip); it != by_ip.end()) {
      reject("repeats the underlay address " + ip + " of the older lease " + it->second);
      continue;
    }
    by_node[l.node] = by_mac[mac] = by_ip[ip] = s->key;
    out.peers.push_back(l);
  }
  std::sort(out.peers.begin(), out.peers.end(), [](const Lease& a, const Lease& b) { return a.key < b.key; });
  return out;
}

}  // namespace overlay
