// ptp: two containers reach each other through the host, the routed setup on both sides,
// masquerade (nftables, iptables on request) keyed by the attachment, refusals that leave
// nothing, CHECK, DEL after the netns is gone.
#include <catch2/catch.hpp>

#include "plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

struct PtpLab : Lab {
  json conf(const std::string& version = "1.0.0") const {
    json j{{"name", "ptpnet"}, {"type", "ptp"}, {"ipam", host_local({"10.223.0.0/24", "fd00:223::/64"})}};
    if (!version.empty()) j["cniVersion"] = version;
    return j;
  }
  test::RunResult add(const test::TestNetns& c, const json& conf, const std::string& id = "c1") const {
    return call(test::ours("ptp"), "ADD", id, c.path(), conf);
  }
  test::RunResult del(const test::TestNetns& c, const json& conf, const std::string& id = "c1") const {
    return call(test::ours("ptp"), "DEL", id, c.path(), conf);
  }
  std::string host_veths() const { return in_host("ip -o link show type veth"); }
};

}  // namespace

TEST_CASE("ptp: two containers reach each other through the host, with result, routes, CHECK and DEL", "[ptp]") {
  PtpLab lab;
  test::TestNetns c1("pc"), c2("pc");
  auto conf = lab.conf();
  auto r1 = lab.add(c1, conf, "c1");
  INFO(r1.out << r1.err);
  REQUIRE(r1.rc == 0);
  REQUIRE(lab.add(c2, conf, "c2").rc == 0);
  auto j = r1.json();
  REQUIRE(j["interfaces"].size() == 2);
  const auto host_veth = j["interfaces"][0]["name"].get<std::string>();
  CHECK(host_veth.rfind("veth", 0) == 0);
  CHECK_FALSE(j["interfaces"][0].contains("sandbox"));
  CHECK(j["interfaces"][0]["mac"] == lab.host_link(host_veth)["address"]);
  CHECK(j["interfaces"][1] == json{{"name", "eth0"}, {"mac", Lab::link(c1, "eth0")["address"]}, {"sandbox", c1.path()}});
  CHECK(j["ips"] == json::array({{{"interface", 1}, {"address", "10.223.0.2/24"}, {"gateway", "10.223.0.1"}},
                                 {{"interface", 1}, {"address", "fd00:223::2/64"}, {"gateway", "fd00:223::1"}}}));
  // Container: every packet goes to the gateway, the subnet's kernel route is gone.
  CHECK(c1.exec("ip -4 route show") ==
        "default via 10.223.0.1 dev eth0 \n"
        "10.223.0.0/24 via 10.223.0.1 dev eth0 src 10.223.0.2 \n"
        "10.223.0.1 dev eth0 scope link src 10.223.0.2 \n");
  CHECK_THAT(c1.exec("ip -6 route show"), Catch::Contains("fd00:223::/64 via fd00:223::1 dev eth0 src fd00:223::2"));
  // Host: the gateway on the host veth and a route back to the container.
  CHECK(Lab::has_addr(lab.host, host_veth, "10.223.0.1", 32));
  CHECK(Lab::has_addr(lab.host, host_veth, "fd00:223::1", 128));
  CHECK(lab.in_host("ip -4 route show 10.223.0.2") == "10.223.0.2 dev " + host_veth + " scope host \n");
  CHECK(lab.in_host("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
  CHECK(lab.in_host("cat /proc/sys/net/ipv6/conf/all/forwarding") == "1\n");
  CHECK(lab.ping(c1, "10.223.0.3"));
  CHECK(lab.ping(c2, "fd00:223::2"));
  CHECK(lab.ping(c1, "10.223.0.1"));

  auto chk = conf;
  chk["prevResult"] = j;
  CHECK(lab.call(test::ours("ptp"), "CHECK", "c1", c1.path(), chk).rc == 0);
  c1.exec("ip addr del 10.223.0.2/24 dev eth0");
  CHECK(lab.call(test::ours("ptp"), "CHECK", "c1", c1.path(), chk).rc != 0);

  REQUIRE(lab.del(c1, conf, "c1").rc == 0);
  CHECK(Lab::link(c1, "eth0").is_null());
  CHECK(lab.host_link(host_veth).is_null());
  CHECK(lab.in_host("ip -4 route show 10.223.0.2").empty());
  CHECK(lab.del(c1, conf, "c1").rc == 0);  // idempotent
  REQUIRE(lab.del(c2, conf, "c2").rc == 0);
  CHECK(lab.leases("ptpnet").empty());
  CHECK(lab.host_veths().empty());
}

TEST_CASE("ptp: masquerade rules come with ADD and go with DEL, also after the netns is gone", "[ptp]") {
  for (const char* backend : {"nftables", "iptables"}) {
    INFO(backend);
    PtpLab lab;
    auto conf = lab.conf();
    conf["ipMasq"] = true;
    conf["ipMasqBackend"] = backend;
    const std::string id = test::unique_name("pm");
    std::string path;
    {
      test::TestNetns c("pc");
      path = c.path();
      auto r = lab.add(c, conf, id);
      INFO(r.out << r.err);
      REQUIRE(r.rc == 0);
      CHECK_THAT(lab.masq_rules(id), Catch::Contains("10.223.0.2"));
      auto chk = conf;
      chk["prevResult"] = r.json();
      CHECK(lab.call(test::ours("ptp"), "CHECK", id, c.path(), chk).rc == 0);
    }  // the container's namespace is deleted here, before any DEL
    auto d = lab.call(test::ours("ptp"), "DEL", id, path, conf);
    INFO(d.out << d.err);
    CHECK(d.rc == 0);
    CHECK(lab.masq_rules(id).empty());
    CHECK(lab.leases("ptpnet").empty());
  }
}

TEST_CASE("ptp: refusals leave no veth, lease or rule", "[ptp]") {
  PtpLab lab;
  test::TestNetns c("pc");
  auto conf = lab.conf();
  conf.erase("ipam");
  CHECK(lab.add(c, conf).json()["code"] == 7);
  // An address without a gateway cannot be routed ptp's way.
  conf = lab.conf();
  conf["ipMasq"] = true;
  conf["ipam"] = {{"type", "static"}, {"addresses", json::array({{{"address", "10.223.5.5/24"}}})}};
  auto r = lab.add(c, conf);
  CHECK(r.rc != 0);
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("no gateway"));
  // The kernel refuses a route (its gateway is unreachable), after the veth exists.
  conf["ipam"]["addresses"][0]["gateway"] = "10.223.5.1";
  conf["ipam"]["routes"] = json::array({{{"dst", "10.50.0.0/16"}, {"gw", "10.99.99.99"}}});
  r = lab.add(c, conf);
  CHECK(r.rc != 0);
  CHECK(lab.host_veths().empty());
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.masq_rules("c1").empty());
  c.exec("ip link add eth0 type veth peer name eth0p");
  r = lab.add(c, lab.conf());
  CHECK(r.json()["code"] == 4);
  CHECK(lab.leases("ptpnet").empty());
}

TEST_CASE("ptp: MTU, dns, static IPAM and the 0.1.0 result Mesos reads", "[ptp]") {
  PtpLab lab;
  test::TestNetns c("pc");
  auto conf = lab.conf("");
  conf["mtu"] = 1400;
  conf["dns"] = {{"nameservers", json::array({"10.223.0.53"})}};
  auto r = lab.add(c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["cniVersion"] == "0.1.0");
  CHECK(j["ip4"]["ip"] == "10.223.0.2/24");
  CHECK(j["ip6"]["ip"] == "fd00:223::2/64");
  CHECK(j["dns"]["nameservers"] == json::array({"10.223.0.53"}));
  CHECK(Lab::link(c, "eth0")["mtu"] == 1400);
  REQUIRE(lab.del(c, conf).rc == 0);

  conf = lab.conf();
  conf["ipam"] = {{"type", "static"},
                  {"addresses", json::array({{{"address", "10.223.7.7/24"}, {"gateway", "10.223.7.1"}}})}};
  r = lab.add(c, conf);
  REQUIRE(r.rc == 0);
  CHECK(c.exec("ip -4 route show 10.223.7.0/24") == "10.223.7.0/24 via 10.223.7.1 dev eth0 src 10.223.7.7 \n");
  REQUIRE(lab.del(c, conf).rc == 0);
}

TEST_CASE("ptp: GC removes the rules and leases of attachments the runtime no longer knows", "[ptp]") {
  PtpLab lab;
  test::TestNetns keep_ns("pc"), stale_ns("pc");
  auto conf = lab.conf("1.1.0");
  conf["ipMasq"] = true;
  const std::string keep = test::unique_name("pk"), stale = test::unique_name("ps");
  REQUIRE(lab.add(keep_ns, conf, keep).rc == 0);
  REQUIRE(lab.add(stale_ns, conf, stale).rc == 0);
  auto gc = conf;
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", keep}, {"ifname", "eth0"}}});
  auto g = lab.call(test::ours("ptp"), "GC", "", "", gc, "");
  INFO(g.out << g.err);
  CHECK(g.rc == 0);
  CHECK_FALSE(lab.masq_rules(keep).empty());
  CHECK(lab.masq_rules(stale).empty());
  CHECK(lab.leases("ptpnet").size() == 2);  // one address per family, the kept attachment's
  REQUIRE(lab.del(keep_ns, conf, keep).rc == 0);
  REQUIRE(lab.del(stale_ns, conf, stale).rc == 0);
  CHECK(lab.leases("ptpnet").empty());
}
