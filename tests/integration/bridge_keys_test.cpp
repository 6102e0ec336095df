// bridge plugin: one check per config key, each asserting kernel state that would differ
// without the key.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "bridge_lab.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {
std::string plugin() {
  const char* p = std::getenv("CNIPP_BRIDGE_UNDER_TEST");
  return p ? p : test::ours("bridge");
}
json slave_data(const Lab& lab, const std::string& port) {
  return lab.host_link(port)["linkinfo"]["info_slave_data"];
}
}  // namespace

TEST_CASE("bridge keys: mtu, hairpinMode, portIsolation, promiscMode", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"10.211.1.0/24"});
  conf["mtu"] = 1400;
  conf["hairpinMode"] = true;
  conf["portIsolation"] = true;
  auto r = lab.add(c, conf);
  REQUIRE(r.rc == 0);
  auto port = r.json()["interfaces"][1]["name"].get<std::string>();
  CHECK(Lab::link(c, "eth0")["mtu"] == 1400);
  CHECK(lab.host_link(port)["mtu"] == 1400);
  CHECK(lab.host_link(lab.br)["mtu"] == 1400);
  CHECK(slave_data(lab, port)["hairpin"] == true);
  CHECK(slave_data(lab, port)["isolated"] == true);
  auto br_flags = lab.host_link(lab.br)["flags"].get<std::vector<std::string>>();
  CHECK(std::find(br_flags.begin(), br_flags.end(), "PROMISC") == br_flags.end());
  CHECK(lab.del(c, conf).rc == 0);

  // Without the keys: hairpin and isolation off.
  test::TestNetns c2("bc");
  auto plain = lab.conf({"10.211.1.0/24"});
  plain["promiscMode"] = true;
  r = lab.add(c2, plain, "c2");
  REQUIRE(r.rc == 0);
  port = r.json()["interfaces"][1]["name"].get<std::string>();
  CHECK(slave_data(lab, port)["hairpin"] == false);
  CHECK(slave_data(lab, port)["isolated"] == false);
  br_flags = lab.host_link(lab.br)["flags"].get<std::vector<std::string>>();
  CHECK(std::find(br_flags.begin(), br_flags.end(), "PROMISC") != br_flags.end());
  CHECK(lab.del(c2, plain, "c2").rc == 0);
}

TEST_CASE("bridge keys: container MAC from CNI_ARGS, args.cni.mac, runtimeConfig.mac", "[bridge]") {
  Lab lab(plugin());
  auto conf = lab.conf({"10.211.2.0/24"});
  {
    test::TestNetns c("bc");
    auto r = lab.add(c, conf, "c1", "eth0", "IgnoreUnknown=1;MAC=0a:58:00:00:00:01");
    REQUIRE(r.rc == 0);
    CHECK(Lab::link(c, "eth0")["address"] == "0a:58:00:00:00:01");
    CHECK(r.json()["interfaces"][2]["mac"] == "0a:58:00:00:00:01");
    CHECK(lab.del(c, conf, "c1").rc == 0);
  }
  {
    test::TestNetns c("bc");
    auto j = conf;
    j["args"] = {{"cni", {{"mac", "0a:58:00:00:00:02"}}}};
    auto r = lab.add(c, j, "c2", "eth0", "MAC=0a:58:00:00:00:01");
  INFO(r.out);
  REQUIRE(r.rc == 0);
    CHECK(Lab::link(c, "eth0")["address"] == "0a:58:00:00:00:02");
    CHECK(lab.del(c, j, "c2").rc == 0);
  }
  {
    test::TestNetns c("bc");
    auto j = conf;
    j["args"] = {{"cni", {{"mac", "0a:58:00:00:00:02"}}}};
    j["runtimeConfig"] = {{"mac", "0a:58:00:00:00:03"}};
    REQUIRE(lab.add(c, j, "c3").rc == 0);
    CHECK(Lab::link(c, "eth0")["address"] == "0a:58:00:00:00:03");
    CHECK(lab.del(c, j, "c3").rc == 0);
  }
}

// vlan, vlanTrunk and preserveDefaultVlan need bridge VLAN filtering, which this machine's
// kernel lacks: they are tested in the kernel-VM tier (tests/kernel-vm/bridge_vlan_test.cpp).

TEST_CASE("bridge keys: isGateway, isDefaultGateway, forceAddress", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c1("bc"), c2("bc");
  auto plain = lab.conf({"10.211.4.0/24"});
  REQUIRE(lab.add(c1, plain, "c1").rc == 0);
  CHECK(lab.in_host("ip -4 addr show dev " + lab.br).empty());  // no gateway address without isGateway
  CHECK(c1.exec("ip route show default").empty());
  CHECK(lab.del(c1, plain, "c1").rc == 0);

  // A different address already on the bridge: refused, then replaced with forceAddress.
  lab.in_host("ip addr add 10.211.4.99/24 dev " + lab.br);
  auto gw = lab.conf({"10.211.4.0/24"});
  gw["isDefaultGateway"] = true;
  auto r = lab.add(c2, gw, "c2");
  CHECK(r.rc != 0);
  CHECK(r.json()["msg"].get<std::string>().find("already has an IP address different from 10.211.4.1/24") !=
        std::string::npos);
  CHECK(Lab::link(c2, "eth0").is_null());
  gw["forceAddress"] = true;
  r = lab.add(c2, gw, "c2");
  INFO(r.out);
  REQUIRE(r.rc == 0);
  CHECK(Lab::has_addr(lab.host, lab.br, "10.211.4.1", 24));
  CHECK_FALSE(Lab::has_addr(lab.host, lab.br, "10.211.4.99", 24));
  CHECK(c2.exec("ip route show default") == "default via 10.211.4.1 dev eth0 \n");
  CHECK(lab.del(c2, gw, "c2").rc == 0);
}

TEST_CASE("bridge keys: enabledad sets accept_dad and enhanced_dad", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"fd00:211:5::/64"});
  conf["enabledad"] = true;
  auto r = lab.add(c, conf);
  REQUIRE(r.rc == 0);
  CHECK(c.exec("cat /proc/sys/net/ipv6/conf/eth0/accept_dad") == "1\n");
  CHECK(c.exec("cat /proc/sys/net/ipv6/conf/eth0/enhanced_dad") == "1\n");
  // The address is past DAD when ADD returns.
  CHECK(c.exec("ip -6 addr show dev eth0 tentative").empty());
  CHECK(lab.del(c, conf).rc == 0);
}

TEST_CASE("bridge keys: L2-only and disableContainerInterface", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c1("bc"), c2("bc");
  auto l2 = lab.conf({});
  auto r = lab.add(c1, l2, "c1");
  REQUIRE(r.rc == 0);
  CHECK_FALSE(r.json().contains("ips"));
  CHECK(r.json()["interfaces"].size() == 3);
  auto flags = Lab::link(c1, "eth0")["flags"].get<std::vector<std::string>>();
  CHECK(std::find(flags.begin(), flags.end(), "UP") != flags.end());
  auto chk = l2;
  chk["prevResult"] = r.json();
  CHECK(lab.call("CHECK", "c1", c1.path(), chk).rc == 0);  // the reference fails here

  auto down = lab.conf({});
  down["disableContainerInterface"] = true;
  REQUIRE(lab.add(c2, down, "c2").rc == 0);
  flags = Lab::link(c2, "eth0")["flags"].get<std::vector<std::string>>();
  CHECK(std::find(flags.begin(), flags.end(), "UP") == flags.end());
  CHECK(lab.del(c1, l2, "c1").rc == 0);
  CHECK(lab.del(c2, down, "c2").rc == 0);
}

TEST_CASE("bridge keys: dns overrides IPAM dns only when set", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c1("bc"), c2("bc");
  test::write_file(lab.data / "resolv.conf", "nameserver 10.211.6.53\nsearch ipam.example\n");
  auto conf = lab.conf({"10.211.6.0/24"});
  conf["ipam"]["resolvConf"] = lab.data / "resolv.conf";
  auto r = lab.add(c1, conf, "c1");
  REQUIRE(r.rc == 0);
  CHECK(r.json()["dns"]["nameservers"] == json::array({"10.211.6.53"}));
  auto over = conf;
  over["dns"] = {{"nameservers", {"10.211.6.54"}}};
  r = lab.add(c2, over, "c2");
  REQUIRE(r.rc == 0);
  CHECK(r.json()["dns"]["nameservers"] == json::array({"10.211.6.54"}));
  CHECK(lab.del(c1, conf, "c1").rc == 0);
  CHECK(lab.del(c2, over, "c2").rc == 0);
}
