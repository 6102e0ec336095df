// bridge plugin, core flows: two containers on one bridge, result shape, DEL idempotence,
// existing ifname, failure undo, version handling, CHECK/STATUS/GC.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "bridge_lab.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {
// CNIPP_BRIDGE_UNDER_TEST lets the same tests run against the reference binary.
std::string plugin() {
  const char* p = std::getenv("CNIPP_BRIDGE_UNDER_TEST");
  return p ? p : test::ours("bridge");
}
}  // namespace

TEST_CASE("bridge: two containers on one bridge reach each other and the gateway", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c1("bc"), c2("bc");
  auto conf = lab.conf({"10.210.1.0/24"});
  conf["isGateway"] = true;
  auto r1 = lab.add(c1, conf, "c1");
  REQUIRE(r1.rc == 0);
  auto r2 = lab.add(c2, conf, "c2");
  REQUIRE(r2.rc == 0);
  auto j = r1.json();
  CHECK(j["cniVersion"] == "1.0.0");
  REQUIRE(j["interfaces"].size() == 3);
  CHECK(j["interfaces"][0]["name"] == lab.br);
  CHECK(j["interfaces"][1]["name"].get<std::string>().rfind("veth", 0) == 0);
  CHECK(j["interfaces"][2]["name"] == "eth0");
  CHECK(j["interfaces"][2]["sandbox"] == c1.path());
  REQUIRE(j["ips"].size() == 1);
  CHECK(j["ips"][0]["address"] == "10.210.1.2/24");
  CHECK(j["ips"][0]["gateway"] == "10.210.1.1");
  CHECK(j["ips"][0]["interface"] == 2);
  // The MACs in the result are the kernel's.
  CHECK(Lab::link(c1, "eth0")["address"] == j["interfaces"][2]["mac"]);
  CHECK(lab.host_link(lab.br)["address"] == j["interfaces"][0]["mac"]);
  auto hostveth = j["interfaces"][1]["name"].get<std::string>();
  CHECK(lab.host_link(hostveth)["master"] == lab.br);
  CHECK(Lab::has_addr(lab.host, lab.br, "10.210.1.1", 24));
  CHECK(Lab::has_addr(c1, "eth0", "10.210.1.2", 24));
  CHECK(lab.in_host("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
  CHECK(lab.ping(c1, "10.210.1.3"));
  CHECK(lab.ping(c2, "10.210.1.1"));
  CHECK(lab.leases().size() == 2);

  REQUIRE(lab.del(c1, conf, "c1").rc == 0);
  REQUIRE(lab.del(c2, conf, "c2").rc == 0);
  CHECK(lab.leases().empty());
  CHECK(lab.ports().empty());
  CHECK(Lab::link(c1, "eth0").is_null());
  CHECK_FALSE(lab.host_link(lab.br).is_null());  // the bridge is never deleted
}

TEST_CASE("bridge: dual stack with default routes", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c1("bc"), c2("bc");
  auto conf = lab.conf({"10.210.2.0/24", "fd00:210:2::/64"});
  conf["isDefaultGateway"] = true;
  auto r = lab.add(c1, conf, "c1");
  REQUIRE(r.rc == 0);
  REQUIRE(lab.add(c2, conf, "c2").rc == 0);
  auto j = r.json();
  REQUIRE(j["ips"].size() == 2);
  CHECK(j["ips"][1]["address"] == "fd00:210:2::2/64");
  CHECK(j["ips"][1]["gateway"] == "fd00:210:2::1");
  // One default route per family, via the family's gateway.
  REQUIRE(j["routes"].size() == 2);
  CHECK(j["routes"][0] == json{{"dst", "0.0.0.0/0"}, {"gw", "10.210.2.1"}});
  CHECK(j["routes"][1] == json{{"dst", "::/0"}, {"gw", "fd00:210:2::1"}});
  CHECK(c1.exec("ip -4 route show default") == "default via 10.210.2.1 dev eth0 \n");
  CHECK(c1.exec("ip -6 route show default").find("default via fd00:210:2::1 dev eth0") == 0);
  CHECK(Lab::has_addr(lab.host, lab.br, "fd00:210:2::1", 64));
  CHECK(c1.exec("cat /proc/sys/net/ipv6/conf/eth0/accept_dad") == "0\n");
  CHECK(lab.in_host("cat /proc/sys/net/ipv6/conf/all/forwarding") == "1\n");
  CHECK(lab.ping(c1, "fd00:210:2::3"));
  CHECK(lab.ping(c2, "10.210.2.2"));
  REQUIRE(lab.del(c1, conf, "c1").rc == 0);
  REQUIRE(lab.del(c2, conf, "c2").rc == 0);
  CHECK(lab.leases().empty());
}

TEST_CASE("bridge: DEL is idempotent, also with the netns gone or empty", "[bridge]") {
  Lab lab(plugin());
  auto conf = lab.conf({"10.210.3.0/24"});
  {
    test::TestNetns c("bc");
    REQUIRE(lab.add(c, conf).rc == 0);
    for (int i = 0; i < 3; ++i) CHECK(lab.del(c, conf).rc == 0);
    CHECK(lab.leases().empty());
    REQUIRE(lab.add(c, conf, "c2").rc == 0);
    CHECK(lab.leases().size() == 1);
  }
  // c2's namespace is gone now: DEL still releases its address.
  CHECK(lab.call("DEL", "c2", "/var/run/netns/does-not-exist", conf).rc == 0);
  CHECK(lab.leases().empty());
  test::TestNetns c("bc");
  REQUIRE(lab.add(c, conf, "c3").rc == 0);
  CHECK(lab.call("DEL", "c3", "", conf).rc == 0);
  CHECK(lab.leases().empty());
}

TEST_CASE("bridge: ADD on an existing ifname fails and allocates nothing", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"10.210.4.0/24"});
  REQUIRE(lab.add(c, conf, "c1").rc == 0);
  auto before = lab.leases();
  auto ports = lab.ports();
  auto r = lab.add(c, conf, "c2");  // same netns, same eth0
  CHECK(r.rc != 0);
  CHECK(r.json()["msg"].get<std::string>().find("eth0") != std::string::npos);
  CHECK(lab.leases() == before);
  CHECK(lab.ports() == ports);
  CHECK(lab.del(c, conf, "c1").rc == 0);
}

TEST_CASE("bridge: a failing IPAM leaves no veth behind", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"10.210.5.0/24"});
  conf["ipam"]["type"] = "no-such-ipam";
  auto r = lab.add(c, conf);
  CHECK(r.rc != 0);
  CHECK(lab.ports().empty());
  CHECK(Lab::link(c, "eth0").is_null());
  // A subnet that is full: the IPAM itself fails after the veth exists.
  conf = lab.conf({"10.210.5.0/30"});
  test::TestNetns c2("bc");
  REQUIRE(lab.add(c, conf, "c1").rc == 0);
  auto ports = lab.ports();
  r = lab.add(c2, conf, "c2");
  CHECK(r.rc != 0);
  CHECK(lab.ports() == ports);
  CHECK(Lab::link(c2, "eth0").is_null());
  CHECK(lab.del(c, conf, "c1").rc == 0);
}

TEST_CASE("bridge: invalid config creates nothing", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"10.210.6.0/24"});
  for (auto [key, value] : std::vector<std::pair<const char*, json>>{
           {"vlan", 4095}, {"mtu", 70000}, {"hairpinMode", true}}) {
    auto bad = conf;
    bad[key] = value;
    if (std::string(key) == "hairpinMode") bad["promiscMode"] = true;
    auto r = lab.add(c, bad);
    CHECK(r.rc != 0);
    CHECK(r.json()["code"] == 7);
  }
  CHECK(lab.host_link(lab.br).is_null());
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.leases().empty());
}

TEST_CASE("bridge: CNI_NETNS that is not a namespace is a clear error", "[bridge]") {
  Lab lab(plugin());
  auto conf = lab.conf({"10.210.7.0/24"});
  test::TempDir d;
  test::write_file(d / "notns", "");
  auto r = lab.call("ADD", "c1", d / "notns", conf);
  REQUIRE(r.rc != 0);
  int code = r.json()["code"];
  CHECK((code == 4 || code == 8));
  CHECK(lab.ports().empty());
  CHECK(lab.leases().empty());
}

TEST_CASE("bridge: version handling", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"10.210.8.0/24"}, "0.1.0");
  auto r = lab.add(c, conf);
  REQUIRE(r.rc == 0);
  CHECK(r.json()["ip4"]["ip"] == "10.210.8.2/24");
  CHECK_FALSE(r.json().contains("interfaces"));
  CHECK(lab.del(c, conf).rc == 0);

  test::TestNetns c2("bc");
  auto l2 = lab.conf({}, "0.2.0");
  l2["bridge"] = lab.br + "x";
  r = lab.add(c2, l2);
  CHECK(r.rc != 0);
  CHECK(Lab::link(c2, "eth0").is_null());
  CHECK(lab.host_link(lab.br + "x").is_null());
}

TEST_CASE("bridge: CHECK verifies the attachment", "[bridge]") {
  Lab lab(plugin());
  test::TestNetns c("bc");
  auto conf = lab.conf({"10.210.9.0/24"});
  conf["isDefaultGateway"] = true;
  auto r = lab.add(c, conf);
  REQUIRE(r.rc == 0);
  auto chk = conf;
  chk["prevResult"] = r.json();
  auto ok = lab.call("CHECK", "c1", c.path(), chk);
  CHECK(ok.rc == 0);
  INFO(ok.out);
  c.exec("ip addr flush dev eth0");
  CHECK(lab.call("CHECK", "c1", c.path(), chk).rc != 0);
  CHECK(lab.del(c, conf).rc == 0);
}

TEST_CASE("bridge: the bridge keeps its MAC as ports come and go, so earlier attachments still CHECK", "[bridge]") {
  // The reference leaves the MAC to the kernel, which gives a bridge its lowest port's MAC:
  // a port with a lower MAC joining changes the gateway's MAC under every container.
  Lab lab(plugin());
  test::TestNetns c1("bc");
  auto conf = lab.conf({"10.210.9.0/24"}, "1.0.0");
  conf["isGateway"] = true;
  auto r1 = lab.add(c1, conf, "c1");
  INFO(r1.out);
  REQUIRE(r1.rc == 0);
  const auto before = lab.host_link(lab.br)["address"];
  const auto port = test::unique_name("lp");
  int rc = 0;
  lab.in_host("ip link add " + port + " address 02:00:00:00:00:01 type veth peer name " + port + "p", &rc);
  REQUIRE(rc == 0);
  lab.in_host("ip link set " + port + " master " + lab.br + " up", &rc);
  REQUIRE(rc == 0);
  CHECK(lab.host_link(lab.br)["address"] == before);
  auto chk = conf;
  chk["prevResult"] = r1.json();
  auto check = lab.call("CHECK", "c1", c1.path(), chk);
  INFO(check.out);
  CHECK(check.rc == 0);
  lab.in_host("ip link del " + port);
  CHECK(lab.del(c1, conf, "c1").rc == 0);
}
