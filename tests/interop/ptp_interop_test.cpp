// ptp against the reference (/usr/lib/cni/ptp, v1.1.1) on the same configs: the same result
// (veth names and MACs are random, compared by shape) and kernel state on both sides;
// attachments made by one and removed by the other; and the reference bug we fix, shown on
// the reference: after the container's netns is gone its DEL leaves the masquerade rules
// (it finds them through the container's addresses); ours removes them, the reference's
// own leaked ones included.
#include <catch2/catch.hpp>

#include "../integration/plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

// IPv6 only where it matters: the reference waits for DAD on every IPv6 ADD (~1 s).
json ptp_conf(const Lab& lab, const std::string& version, bool dual_stack = false) {
  std::vector<std::string> subnets{"10.224.0.0/24"};
  if (dual_stack) subnets.push_back("fd00:224::/64");
  json j{{"name", "ptpi"}, {"type", "ptp"}, {"ipam", lab.host_local(subnets)}};
  if (!version.empty()) j["cniVersion"] = version;
  return j;
}

struct Observed {
  json result;
  std::string cont_addrs, cont_routes, host_addrs, host_routes;
};

Observed attach(const std::string& binary, const std::string& version, bool dual_stack) {
  Lab lab;
  test::TestNetns c("pi");
  auto conf = ptp_conf(lab, version, dual_stack);
  auto r = lab.call(binary, "ADD", "c1", c.path(), conf);
  INFO(binary << ": " << r.out << r.err);
  REQUIRE(r.rc == 0);
  Observed o;
  o.result = r.json();
  std::string veth;
  if (o.result.contains("interfaces")) {
    veth = o.result["interfaces"][0]["name"];
    for (auto& i : o.result["interfaces"]) i.erase("mac");
    o.result["interfaces"][0]["name"] = "veth*";
    o.result["interfaces"][1].erase("sandbox");
  }
  if (o.result.contains("dns") && o.result["dns"].empty()) o.result.erase("dns");  // v1.1.1 prints "dns": {}
  o.cont_addrs = c.exec("ip -o addr show dev eth0 scope global | awk '{print $4}'");
  o.cont_routes = c.exec("ip route show; ip -6 route show | grep -v fe80");
  if (veth.empty()) veth = lab.in_host("ip -o link show type veth | cut -d: -f2 | cut -d@ -f1 | tr -d ' \\n'");
  o.host_addrs = lab.in_host("ip -o addr show dev " + veth + " scope global | awk '{print $4}'");
  o.host_routes = lab.in_host("ip route show; ip -6 route show | grep -v fe80 | sed 's/ proto kernel//'");
  for (auto* text : {&o.host_routes, &o.host_addrs}) {  // the random veth name
    for (size_t at; (at = text->find(veth)) != std::string::npos;) text->replace(at, veth.size(), "VETH");
  }
  CHECK(lab.call(binary, "DEL", "c1", c.path(), conf).rc == 0);
  CHECK(lab.leases("ptpi").empty());
  CHECK(lab.in_host("ip -o link show type veth").empty());
  return o;
}

}  // namespace

TEST_CASE("ptp interop: the reference's result and kernel state", "[ptp]") {
  const std::pair<const char*, bool> cases[] = {{"1.0.0", true}, {"0.4.0", false}, {"", false}};
  for (const auto& [version, dual_stack] : cases) {
    INFO("cniVersion '" << version << "'");
    auto ref = attach(test::reference("ptp"), version, dual_stack);
    auto ours = attach(test::ours("ptp"), version, dual_stack);
    CHECK(ours.result == ref.result);
    CHECK(ours.cont_addrs == ref.cont_addrs);
    CHECK(ours.cont_routes == ref.cont_routes);
    CHECK(ours.host_addrs == ref.host_addrs);
    CHECK(ours.host_routes == ref.host_routes);
  }
}

TEST_CASE("ptp interop: added by one, checked and deleted by the other", "[ptp]") {
  const std::pair<std::string, std::string> pairs[] = {{test::reference("ptp"), test::ours("ptp")},
                                                       {test::ours("ptp"), test::reference("ptp")}};
  for (const auto& [adder, other] : pairs) {
    Lab lab;
    test::TestNetns c("pi");
    auto conf = ptp_conf(lab, "1.0.0");
    auto r = lab.call(adder, "ADD", "c1", c.path(), conf);
    INFO(adder << " -> " << other << ": " << r.out << r.err);
    REQUIRE(r.rc == 0);
    auto chk = conf;
    chk["prevResult"] = r.json();
    CHECK(lab.call(other, "CHECK", "c1", c.path(), chk).rc == 0);
    CHECK(lab.call(other, "DEL", "c1", c.path(), conf).rc == 0);
    CHECK(lab.leases("ptpi").empty());
    CHECK(lab.in_host("ip -o link show type veth").empty());
  }
}

TEST_CASE("ptp interop: DEL after the netns is gone removes the masquerade rules (the reference leaks them)",
          "[ptp]") {
  // The reference masquerades with iptables; ours is asked for iptables too, so both write
  // the same chains and the comparison is like for like.
  struct Case {
    std::string adder, deleter;
    bool rules_left;
  };
  const Case cases[] = {{test::reference("ptp"), test::reference("ptp"), true},
                        {test::ours("ptp"), test::ours("ptp"), false},
                        {test::reference("ptp"), test::ours("ptp"), false}};
  for (const auto& k : cases) {
    Lab lab;
    auto conf = ptp_conf(lab, "1.0.0");
    conf["ipMasq"] = true;
    conf["ipMasqBackend"] = "iptables";
    const std::string id = test::unique_name("pm");
    std::string path;
    {
      test::TestNetns c("pi");
      path = c.path();
      auto r = lab.call(k.adder, "ADD", id, path, conf);
      INFO(r.out << r.err);
      REQUIRE(r.rc == 0);
      REQUIRE_FALSE(lab.masq_rules(id).empty());
    }
    auto d = lab.call(k.deleter, "DEL", id, path, conf);
    INFO(k.adder << " -> " << k.deleter << ": " << d.out << d.err);
    CHECK(d.rc == 0);
    CHECK(lab.masq_rules(id).empty() != k.rules_left);
    CHECK(lab.leases("ptpi").empty());
  }
}
