// vlan and dummy through the CNI protocol, on a kernel that has 802.1Q and dummy devices
// (natively, or in user-mode-linux via uml-run); vlan also against the reference
// (/usr/lib/cni/vlan, v1.1.1; Debian's has no dummy). The "host" is a test namespace whose
// LAN is a veth pair: one VLAN link per end, so two containers on VLAN 100 meet across it.
#include <catch2/catch.hpp>

#include "../integration/plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

struct VlanLab : Lab {
  std::string lan = test::unique_name("vl");  // <lan> and <lan>p, the two ends
  VlanLab() { add_master(lan); }
  json conf(const std::string& master, bool ipam = true) const {
    json j{{"cniVersion", "1.0.0"}, {"name", "vlnet"}, {"type", "vlan"}, {"master", master}, {"vlanId", 100}};
    if (ipam) j["ipam"] = host_local({"10.231.0.0/24"}, false);
    return j;
  }
};

json vlan_info(const test::TestNetns& ns, const std::string& dev = "eth0") {
  auto l = Lab::link(ns, dev);
  return l.is_null() ? json() : l["linkinfo"]["info_data"];
}

}  // namespace

TEST_CASE("vlan: two containers on VLAN 100 reach each other across the LAN, with CHECK and DEL", "[vlan]") {
  VlanLab lab;
  test::TestNetns c1("vc"), c2("vc");
  auto conf1 = lab.conf(lab.lan), conf2 = lab.conf(lab.lan + "p");
  auto r = lab.call(test::ours("vlan"), "ADD", "c1", c1.path(), conf1);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  REQUIRE(lab.call(test::ours("vlan"), "ADD", "c2", c2.path(), conf2).rc == 0);
  CHECK(vlan_info(c1)["id"] == 100);
  CHECK(Lab::link(c1, "eth0")["link_index"] == lab.host_link(lab.lan)["ifindex"]);
  auto j = r.json();
  CHECK(j["interfaces"] == json::array({{{"name", "eth0"}, {"mac", Lab::link(c1, "eth0")["address"]}, {"sandbox", c1.path()}}}));
  CHECK(j["ips"][0]["address"] == "10.231.0.2/24");
  CHECK(lab.ping(c1, "10.231.0.3"));
  auto chk = conf1;
  chk["prevResult"] = j;
  CHECK(lab.call(test::ours("vlan"), "CHECK", "c1", c1.path(), chk).rc == 0);
  chk["vlanId"] = 200;
  CHECK(lab.call(test::ours("vlan"), "CHECK", "c1", c1.path(), chk).rc != 0);
  REQUIRE(lab.call(test::ours("vlan"), "DEL", "c1", c1.path(), conf1).rc == 0);
  REQUIRE(lab.call(test::ours("vlan"), "DEL", "c2", c2.path(), conf2).rc == 0);
  CHECK(Lab::link(c1, "eth0").is_null());
  CHECK(lab.leases("vlnet").empty());
  CHECK(lab.call(test::ours("vlan"), "DEL", "c1", c1.path(), conf1).rc == 0);
}

TEST_CASE("vlan: MTU, linkInContainer, L2-only, refusals", "[vlan]") {
  VlanLab lab;
  test::TestNetns c("vc");
  auto conf = lab.conf(lab.lan);
  conf["mtu"] = 1400;
  auto r = lab.call(test::ours("vlan"), "ADD", "c1", c.path(), conf);
  REQUIRE(r.rc == 0);
  CHECK(Lab::link(c, "eth0")["mtu"] == 1400);
  REQUIRE(lab.call(test::ours("vlan"), "DEL", "c1", c.path(), conf).rc == 0);
  conf["mtu"] = 9000;
  CHECK(lab.call(test::ours("vlan"), "ADD", "c1", c.path(), conf).json()["code"] == 7);
  r = lab.call(test::ours("vlan"), "ADD", "c1", c.path(), lab.conf(lab.lan, false));
  REQUIRE(r.rc == 0);
  CHECK_FALSE(r.json().contains("ips"));
  REQUIRE(lab.call(test::ours("vlan"), "DEL", "c1", c.path(), lab.conf(lab.lan, false)).rc == 0);
  c.exec("sh -c 'ip link add inner0 type veth peer name inner0p && ip link set inner0 up'");
  conf = lab.conf("inner0");
  conf["linkInContainer"] = true;
  r = lab.call(test::ours("vlan"), "ADD", "c1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(Lab::link(c, "eth0")["link"] == "inner0");
  REQUIRE(lab.call(test::ours("vlan"), "DEL", "c1", c.path(), conf).rc == 0);
  CHECK(lab.leases("vlnet").empty());
}

TEST_CASE("vlan interop: the reference's result, each DELs the other's, and the reference bugs we fix", "[vlan]") {
  json results[2];
  for (int i = 0; i < 2; ++i) {
    VlanLab lab;
    test::TestNetns c("vc");
    const auto adder = i == 0 ? test::reference("vlan") : test::ours("vlan");
    const auto other = i == 0 ? test::ours("vlan") : test::reference("vlan");
    auto r = lab.call(adder, "ADD", "c1", c.path(), lab.conf(lab.lan));
    INFO(adder << ": " << r.out << r.err);
    REQUIRE(r.rc == 0);
    results[i] = r.json();
    results[i]["interfaces"][0].erase("mac");
    results[i]["interfaces"][0].erase("sandbox");
    if (results[i].contains("dns") && results[i]["dns"].empty()) results[i].erase("dns");
    CHECK(lab.call(other, "DEL", "c1", c.path(), lab.conf(lab.lan)).rc == 0);
    CHECK(Lab::link(c, "eth0").is_null());
    CHECK(lab.leases("vlnet").empty());
  }
  CHECK(results[1] == results[0]);

  for (bool reference : {true, false}) {
    INFO((reference ? "reference" : "ours"));
    VlanLab lab;
    test::TestNetns c("vc");
    const auto binary = reference ? test::reference("vlan") : test::ours("vlan");
    // IPAM fails after the link exists: the reference leaves the link behind.
    auto failing = lab.conf(lab.lan);
    failing["ipam"] = {{"type", "static"}};
    CHECK(lab.call(binary, "ADD", "c1", c.path(), failing).rc != 0);
    CHECK(Lab::link(c, "eth0").is_null() != reference);
    c.exec("ip link del eth0 2>/dev/null");
    // DEL after the master is gone: the reference's fails, its lease stays.
    REQUIRE(lab.call(binary, "ADD", "c1", c.path(), lab.conf(lab.lan)).rc == 0);
    REQUIRE(lab.host_sh("ip link del " + lab.lan));
    auto d = lab.call(binary, "DEL", "c1", c.path(), lab.conf(lab.lan));
    CHECK((d.rc == 0) != reference);
    CHECK(lab.leases("vlnet").empty() != reference);
  }
}

TEST_CASE("dummy: ADD beside a host link of the same name, CHECK, DEL, IPAM required", "[dummy]") {
  Lab lab;
  REQUIRE(lab.host_sh("ip link add eth0 type dummy"));  // the reference before v1.9.0 clashed with it
  test::TestNetns c("dc");
  json conf{{"cniVersion", "1.0.0"}, {"name", "dnet"}, {"type", "dummy"}, {"ipam", lab.host_local({"10.232.0.0/24"}, false)}};
  auto r = lab.call(test::ours("dummy"), "ADD", "c1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(Lab::link(c, "eth0")["linkinfo"]["info_kind"] == "dummy");
  CHECK(Lab::has_addr(c, "eth0", "10.232.0.2", 24));
  auto j = r.json();
  CHECK(j["interfaces"][0]["name"] == "eth0");
  CHECK(j["ips"][0]["interface"] == 0);
  auto chk = conf;
  chk["prevResult"] = j;
  CHECK(lab.call(test::ours("dummy"), "CHECK", "c1", c.path(), chk).rc == 0);
  c.exec("ip link set eth0 down");
  CHECK(lab.call(test::ours("dummy"), "CHECK", "c1", c.path(), chk).rc != 0);
  REQUIRE(lab.call(test::ours("dummy"), "DEL", "c1", c.path(), conf).rc == 0);
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.leases("dnet").empty());
  CHECK_FALSE(lab.host_link("eth0").is_null());
  conf.erase("ipam");
  CHECK(lab.call(test::ours("dummy"), "ADD", "c1", c.path(), conf).json()["code"] == 7);
  CHECK(Lab::link(c, "eth0").is_null());
}
