// Leases as cnipp-overlayd reads them from ZooKeeper, where anyone who can write the store
// may have put anything. The input is one or more znodes separated by NUL bytes, each its
// name, a newline, and its data. Every lease believed must be a pool member that is safe to
// program: the checks hold for each, and no two believed leases collide.
#include <set>
#include <string>
#include <vector>

#include "cni/base/error.hpp"
#include "fuzz_check.hpp"
#include "lease.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto net =
      overlay::NetworkConfig::decode(R"({"subnet":"10.96.0.0/16","subnetLen":24,"vni":1,"port":4789})");
  static const overlay::Self self{"a1", cni::Cidr::parse("10.96.1.0/24"), *cni::IpAddr::parse("192.0.2.1")};
  auto text = fuzz::text_of(data, size);
  std::vector<overlay::StoredLease> stored;
  int64_t order = 0;
  for (size_t at = 0; at <= text.size() && stored.size() < 64;) {
    size_t end = text.find('\0', at);
    if (end == std::string_view::npos) end = text.size();
    auto one = text.substr(at, end - at);
    auto nl = one.find('\n');
    std::string key(one.substr(0, nl));
    std::string body(nl == std::string_view::npos ? std::string_view{} : one.substr(nl + 1));
    try {
      auto l = overlay::Lease::decode(key, body, net);
      FUZZ_REQUIRE(net.index_of(l.subnet).has_value());
      FUZZ_REQUIRE(overlay::lease_key(l.subnet) == key);
      FUZZ_REQUIRE(overlay::is_unicast_underlay(l.underlay_ip));
      FUZZ_REQUIRE(overlay::is_local_unicast_mac(l.vtep_mac));
      FUZZ_REQUIRE(overlay::Lease::decode(key, l.encode(), net) == l);
    } catch (const cni::Error&) {
    }
    stored.push_back({key, body, order++ % 7});  // repeated creation orders exercise the ties
    at = end + 1;
  }
  auto set = overlay::select_peers(stored, net, self);
  std::set<std::string> nodes, macs, ips, subnets;
  for (const auto& p : set.peers) {
    FUZZ_REQUIRE(p.node != self.node);
    FUZZ_REQUIRE(!p.subnet.overlaps(*self.subnet));
    FUZZ_REQUIRE(p.underlay_ip != self.underlay_ip);
    FUZZ_REQUIRE(nodes.insert(p.node).second);
    FUZZ_REQUIRE(macs.insert(cni::mac_str(p.vtep_mac)).second);
    FUZZ_REQUIRE(ips.insert(p.underlay_ip.str()).second);
    FUZZ_REQUIRE(subnets.insert(p.subnet.str()).second);
  }
  if (set.own) FUZZ_REQUIRE(set.own->subnet == *self.subnet && set.own->node == self.node);
  return 0;
}
