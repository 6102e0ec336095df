// macvlan: two containers on one master reach each other, the result and the kernel state,
// every mode, MAC/MTU, L2-only, linkInContainer, undo of a failed ADD, CHECK, and DEL when
// the master or the netns is gone.
#include <linux/if_link.h>

#include <catch2/catch.hpp>

#include "plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

struct MacvlanLab : Lab {
  std::string master = test::unique_name("mm");
  MacvlanLab() {
    add_master(master);
    REQUIRE(host_sh("ip addr add 10.221.0.250/24 dev " + master + " && ip route add default via 10.221.0.1"));
  }
  json conf(const std::string& version = "1.0.0", bool ipam = true) const {
    json j{{"cniVersion", version}, {"name", "mvnet"}, {"type", "macvlan"}, {"master", master}};
    if (ipam) j["ipam"] = host_local({"10.221.0.0/24"});
    return j;
  }
  test::RunResult add(const test::TestNetns& c, const json& conf, const std::string& id = "c1",
                      const std::string& args = "") const {
    return call(test::ours("macvlan"), "ADD", id, c.path(), conf, "eth0", args);
  }
  test::RunResult del(const test::TestNetns& c, const json& conf, const std::string& id = "c1") const {
    return call(test::ours("macvlan"), "DEL", id, c.path(), conf);
  }
};

std::string mode_of(const test::TestNetns& ns) {
  auto l = Lab::link(ns, "eth0");
  return l.is_null() ? "" : l["linkinfo"]["info_data"]["mode"].get<std::string>();
}

}  // namespace

TEST_CASE("macvlan: two containers on one master reach each other, with result, CHECK and DEL", "[macvlan]") {
  MacvlanLab lab;
  test::TestNetns c1("mc"), c2("mc");
  auto conf = lab.conf();
  auto r1 = lab.add(c1, conf, "c1");
  INFO(r1.out << r1.err);
  REQUIRE(r1.rc == 0);
  REQUIRE(lab.add(c2, conf, "c2").rc == 0);
  auto j = r1.json();
  REQUIRE(j["interfaces"].size() == 1);
  CHECK(j["interfaces"][0]["name"] == "eth0");
  CHECK(j["interfaces"][0]["sandbox"] == c1.path());
  CHECK(j["interfaces"][0]["mac"] == Lab::link(c1, "eth0")["address"]);
  CHECK(j["ips"] == json::array({{{"interface", 0}, {"address", "10.221.0.2/24"}, {"gateway", "10.221.0.1"}}}));
  auto link = Lab::link(c1, "eth0");
  CHECK(link["linkinfo"]["info_kind"] == "macvlan");
  CHECK(mode_of(c1) == "bridge");
  CHECK(link["link_index"] == lab.host_link(lab.master)["ifindex"]);
  CHECK(c1.exec("cat /proc/sys/net/ipv4/conf/eth0/arp_notify") == "1\n");
  CHECK(c1.exec("ip route show default") == "default via 10.221.0.1 dev eth0 \n");
  CHECK(lab.ping(c1, "10.221.0.3"));
  CHECK(lab.ping(c2, "10.221.0.2"));

  auto chk = conf;
  chk["prevResult"] = j;
  CHECK(lab.call(test::ours("macvlan"), "CHECK", "c1", c1.path(), chk).rc == 0);
  chk["mode"] = "private";
  auto bad = lab.call(test::ours("macvlan"), "CHECK", "c1", c1.path(), chk);
  CHECK(bad.rc != 0);
  CHECK_THAT(bad.json()["msg"].get<std::string>(), Catch::Contains("mode"));

  REQUIRE(lab.del(c1, conf, "c1").rc == 0);
  CHECK(Lab::link(c1, "eth0").is_null());
  CHECK(lab.leases("mvnet").size() == 1);
  CHECK(lab.del(c1, conf, "c1").rc == 0);  // idempotent
  REQUIRE(lab.del(c2, conf, "c2").rc == 0);
  CHECK(lab.leases("mvnet").empty());
}

TEST_CASE("macvlan: every mode, the default-route master, MAC and MTU", "[macvlan]") {
  MacvlanLab lab;
  const std::pair<const char*, const char*> modes[] = {
      {"bridge", "bridge"}, {"private", "private"}, {"vepa", "vepa"}, {"passthru", "passthru"}, {"source", "source"}};
  for (const auto& [mode, shown] : modes) {
    INFO("mode " << mode);
    test::TestNetns c("mc");
    auto conf = lab.conf();
    conf["mode"] = mode;
    auto r = lab.add(c, conf);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(mode_of(c) == shown);
    REQUIRE(lab.del(c, conf).rc == 0);
  }
  test::TestNetns c("mc");
  auto conf = lab.conf();
  conf.erase("master");  // the link of the default route
  conf["mtu"] = 1400;
  conf["runtimeConfig"] = {{"mac", "02:aa:bb:cc:dd:ee"}};
  auto r = lab.add(c, conf, "c1", "IgnoreUnknown=1;MAC=02:00:00:00:00:01");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto link = Lab::link(c, "eth0");
  CHECK(link["link_index"] == lab.host_link(lab.master)["ifindex"]);
  CHECK(link["mtu"] == 1400);
  CHECK(link["address"] == "02:aa:bb:cc:dd:ee");
  CHECK(r.json()["interfaces"][0]["mac"] == "02:aa:bb:cc:dd:ee");
  REQUIRE(lab.del(c, conf).rc == 0);
}

TEST_CASE("macvlan: refusals create nothing and allocate nothing", "[macvlan]") {
  MacvlanLab lab;
  test::TestNetns c("mc");
  auto conf = lab.conf();
  conf["mtu"] = 9000;  // above the master's 1500
  auto r = lab.add(c, conf);
  CHECK(r.rc != 0);
  CHECK(r.json()["code"] == 7);
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("master MTU(1500)"));
  conf = lab.conf();
  conf["master"] = "nosuchlink0";
  CHECK(lab.add(c, conf).json()["code"] == 7);
  // An L2-only result cannot be written as 0.2.0 (no IP): refused before anything exists.
  r = lab.add(c, lab.conf("0.2.0", false));
  CHECK(r.json()["code"] == 1);
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.leases("mvnet").empty());
  // IPAM returns nothing: the link made for it is removed again.
  conf = lab.conf();
  conf["ipam"] = {{"type", "static"}};
  r = lab.add(c, conf);
  CHECK(r.rc != 0);
  CHECK(r.json()["msg"] == "IPAM plugin returned missing IP config");
  CHECK(Lab::link(c, "eth0").is_null());
  // An address the kernel refuses (IPv4 /32 route via an unreachable gateway): link and lease undone.
  conf = lab.conf();
  conf["ipam"] = {{"type", "static"},
                  {"addresses", json::array({{{"address", "10.221.9.9/32"}}})},
                  {"routes", json::array({{{"dst", "0.0.0.0/0"}, {"gw", "10.99.99.1"}}})}};
  r = lab.add(c, conf);
  CHECK(r.rc != 0);
  CHECK(Lab::link(c, "eth0").is_null());
  // The ifname already taken in the container.
  c.exec("ip link add eth0 type veth peer name eth0p");
  r = lab.add(c, lab.conf());
  CHECK(r.json()["code"] == 4);
  CHECK(lab.leases("mvnet").empty());
}

TEST_CASE("macvlan: L2-only, static IPAM, linkInContainer, 0.1.0 (Mesos) result", "[macvlan]") {
  MacvlanLab lab;
  test::TestNetns c("mc");
  auto r = lab.add(c, lab.conf("1.0.0", false));
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK_FALSE(r.json().contains("ips"));
  CHECK(c.exec("ip -br link show eth0").find("UP") != std::string::npos);
  REQUIRE(lab.del(c, lab.conf("1.0.0", false)).rc == 0);

  auto conf = lab.conf();
  conf["ipam"] = {{"type", "static"}, {"addresses", json::array({{{"address", "10.221.0.77/24"}, {"gateway", "10.221.0.1"}}})}};
  r = lab.add(c, conf);
  REQUIRE(r.rc == 0);
  CHECK(Lab::has_addr(c, "eth0", "10.221.0.77", 24));
  REQUIRE(lab.del(c, conf).rc == 0);

  // A master inside the container (e.g. one moved there by host-device earlier in a chain).
  c.exec("ip link add inner0 type veth peer name inner0p");
  c.exec("ip link set inner0 up");
  conf = lab.conf();
  conf["master"] = "inner0";
  conf["linkInContainer"] = true;
  r = lab.add(c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(Lab::link(c, "eth0")["link"] == "inner0");
  REQUIRE(lab.del(c, conf).rc == 0);

  // What a Mesos agent sends: no cniVersion, so the 0.1.0 ip4 form.
  r = lab.add(c, lab.conf(""));
  REQUIRE(r.rc == 0);
  CHECK_THAT(r.json()["ip4"]["ip"].get<std::string>(), Catch::StartsWith("10.221.0.") && Catch::EndsWith("/24"));
  CHECK(r.json()["ip4"]["gateway"] == "10.221.0.1");
  REQUIRE(lab.del(c, lab.conf("")).rc == 0);
}

TEST_CASE("macvlan: DEL releases the lease after the master or the netns is gone", "[macvlan]") {
  MacvlanLab lab;
  auto conf = lab.conf();
  {
    test::TestNetns c("mc");
    REQUIRE(lab.add(c, conf, "c1").rc == 0);
    REQUIRE(lab.host_sh("ip link del " + lab.master));  // takes the macvlan and the default route with it
    auto r = lab.del(c, conf, "c1");
    INFO(r.out << r.err);
    CHECK(r.rc == 0);
    CHECK(lab.leases("mvnet").empty());
  }
  lab.add_master(lab.master);
  test::TestNetns c("mc");
  REQUIRE(lab.add(c, conf, "c2").rc == 0);
  const auto path = c.path();
  c.exec("true");
  test::sh("ip netns del " + c.name);
  CHECK(lab.call(test::ours("macvlan"), "DEL", "c2", path, conf).rc == 0);
  CHECK(lab.leases("mvnet").empty());
}
