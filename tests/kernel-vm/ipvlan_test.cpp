// ipvlan through the CNI protocol on a kernel that has ipvlan and dummy devices (natively,
// or in user-mode-linux via uml-run). The "host" is a test namespace holding a dummy master.
#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {

struct IpvlanLab {
  test::TestNetns host{"ih"};
  test::TempDir data;
  std::string net = test::unique_name("iv");

  explicit IpvlanLab(bool default_route = true) {
    REQUIRE(sh("ip link add master0 type dummy && ip link set master0 up && ip addr add 10.230.0.250/16 dev master0"));
    if (default_route) REQUIRE(sh("ip route add default via 10.230.0.1 dev master0"));
  }
  bool sh(const std::string& cmd) const {
    int rc = -1;
    host.exec("sh -c '" + cmd + "' 2>&1", &rc);
    return rc == 0;
  }
  json conf(const std::string& mode, const std::string& master = "master0", const std::string& version = "1.0.0") const {
    json c = {{"cniVersion", version}, {"name", net}, {"type", "ipvlan"},
              {"ipam", {{"type", "host-local"}, {"dataDir", data.path},
                        {"ranges", json::array({json::array({{{"subnet", "10.230.0.0/16"}}})})},
                        {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}};
    if (!mode.empty()) c["mode"] = mode;
    if (!master.empty()) c["master"] = master;
    return c;
  }
  test::RunResult call(const std::string& plugin, const std::string& cmd, const std::string& id,
                       const std::string& netns, const json& c, const std::string& ifname = "eth0") const {
    auto env = test::cni_env(cmd, id, netns, ifname);
    return test::run("/usr/bin/ip", env, c.dump(), {"netns", "exec", host.name, plugin});
  }
  std::vector<std::string> leases() const {
    std::vector<std::string> out;
    for (const auto& f : test::list_dir(data.path + "/" + net))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out.push_back(f);
    return out;
  }
};

json link_of(const test::TestNetns& ns, const std::string& ifname) {
  auto text = ns.exec("ip -d -j link show dev " + ifname + " 2>/dev/null");
  if (text.empty()) return json();
  return json::parse(text).at(0);
}

std::string ipvlan_mode(const test::TestNetns& ns) {
  auto l = link_of(ns, "eth0");
  if (l.is_null()) return "";
  return l["linkinfo"]["info_data"]["mode"].get<std::string>();
}

}  // namespace

TEST_CASE("ipvlan: l2, l3 and l3s ADD, CHECK, DEL on a dummy master", "[ipvlan]") {
  for (const char* mode : {"l2", "l3", "l3s"}) {
    INFO("mode " << mode);
    IpvlanLab lab;
    test::TestNetns c("ic");
    auto conf = lab.conf(mode);
    auto r = lab.call(test::ours("ipvlan"), "ADD", "c1", c.path(), conf);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    auto j = r.json();
    REQUIRE(j["interfaces"].size() == 1);
    CHECK(j["interfaces"][0]["name"] == "eth0");
    CHECK(j["interfaces"][0]["sandbox"] == c.path());
    CHECK(j["ips"][0]["interface"] == 0);
    CHECK(j["ips"][0]["address"] == "10.230.0.2/16");
    CHECK(ipvlan_mode(c) == mode);
    CHECK_THAT(c.exec("ip -4 -o addr show dev eth0"), Catch::Contains("10.230.0.2/16"));
    CHECK_THAT(c.exec("ip route show default"), Catch::Contains("dev eth0"));
    CHECK(c.exec("cat /proc/sys/net/ipv4/conf/eth0/arp_notify") == "1\n");
    auto chk = conf;
    chk["prevResult"] = j;
    CHECK(lab.call(test::ours("ipvlan"), "CHECK", "c1", c.path(), chk).rc == 0);
    // CHECK notices a link of another mode.
    auto other = chk;
    other["mode"] = std::string(mode) == "l2" ? "l3" : "l2";
    CHECK(lab.call(test::ours("ipvlan"), "CHECK", "c1", c.path(), other).rc != 0);
    CHECK(lab.call(test::ours("ipvlan"), "DEL", "c1", c.path(), conf).rc == 0);
    CHECK(link_of(c, "eth0").is_null());
    CHECK(lab.leases().empty());
    CHECK(lab.call(test::ours("ipvlan"), "DEL", "c1", c.path(), conf).rc == 0);  // idempotent
  }
}

TEST_CASE("ipvlan: two containers on one master reach each other in l2", "[ipvlan]") {
  IpvlanLab lab;
  test::TestNetns a("ic"), b("ic");
  auto conf = lab.conf("l2");
  REQUIRE(lab.call(test::ours("ipvlan"), "ADD", "a", a.path(), conf).rc == 0);
  auto rb = lab.call(test::ours("ipvlan"), "ADD", "b", b.path(), conf);
  REQUIRE(rb.rc == 0);
  auto ip_b = rb.json()["ips"][0]["address"].get<std::string>();
  ip_b = ip_b.substr(0, ip_b.find('/'));
  int rc = -1;
  a.exec("ping -c1 -W2 " + ip_b + " >/dev/null 2>&1", &rc);
  CHECK(rc == 0);
  CHECK(lab.call(test::ours("ipvlan"), "DEL", "a", a.path(), conf).rc == 0);
  CHECK(lab.call(test::ours("ipvlan"), "DEL", "b", b.path(), conf).rc == 0);
}

TEST_CASE("ipvlan: master defaults to the default route's interface", "[ipvlan]") {
  IpvlanLab lab;
  test::TestNetns c("ic");
  auto conf = lab.conf("l2", "");
  auto r = lab.call(test::ours("ipvlan"), "ADD", "c1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto link = link_of(c, "eth0");
  CHECK(link["link_index"] == link_of(lab.host, "master0")["ifindex"]);
  CHECK(lab.call(test::ours("ipvlan"), "DEL", "c1", c.path(), conf).rc == 0);
}

TEST_CASE("ipvlan: DEL needs neither master nor a default route, nor the netns", "[ipvlan]") {
  IpvlanLab lab(/*default_route=*/false);
  test::TestNetns c("ic");
  REQUIRE(lab.call(test::ours("ipvlan"), "ADD", "c1", c.path(), lab.conf("l2")).rc == 0);
  // The same network without master: the reference fails this DEL (no default route).
  auto no_master = lab.conf("l2", "");
  auto r = lab.call(test::ours("ipvlan"), "DEL", "c1", c.path(), no_master);
  INFO(r.out);
  CHECK(r.rc == 0);
  CHECK(link_of(c, "eth0").is_null());
  CHECK(lab.leases().empty());
  auto ref = lab.call(test::reference("ipvlan"), "DEL", "c1", c.path(), no_master);
  CHECK(ref.rc != 0);  // the documented reference bug this plugin fixes
  // DEL after the netns is gone still releases the lease.
  {
    test::TestNetns gone("ic");
    REQUIRE(lab.call(test::ours("ipvlan"), "ADD", "c2", gone.path(), lab.conf("l2")).rc == 0);
    gone.~TestNetns();
    new (&gone) test::TestNetns("ic");
    CHECK(lab.call(test::ours("ipvlan"), "DEL", "c2", "/var/run/netns/does-not-exist", lab.conf("l2")).rc == 0);
  }
  CHECK(lab.leases().empty());
}

TEST_CASE("ipvlan: linkInContainer uses a master inside the container", "[ipvlan]") {
  IpvlanLab lab;
  test::TestNetns c("ic");
  c.exec("ip link add inner0 type dummy");
  c.exec("ip link set inner0 up");
  auto conf = lab.conf("l2", "inner0");
  conf["linkInContainer"] = true;
  auto r = lab.call(test::ours("ipvlan"), "ADD", "c1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(link_of(c, "eth0")["link"] == "inner0");
  CHECK(lab.call(test::ours("ipvlan"), "DEL", "c1", c.path(), conf).rc == 0);
}

TEST_CASE("ipvlan: chained after another plugin without IPAM uses prevResult's IPs", "[ipvlan]") {
  IpvlanLab lab;
  test::TestNetns c("ic");
  json conf = {{"cniVersion", "1.0.0"}, {"name", lab.net}, {"type", "ipvlan"}, {"mode", "l2"},
               {"prevResult", {{"cniVersion", "1.0.0"},
                               {"interfaces", json::array({{{"name", "master0"}}})},
                               {"ips", json::array({{{"address", "10.230.9.9/16"}, {"interface", 0}}})}}}};
  auto r = lab.call(test::ours("ipvlan"), "ADD", "c1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.json()["ips"][0]["address"] == "10.230.9.9/16");
  CHECK_THAT(c.exec("ip -4 -o addr show dev eth0"), Catch::Contains("10.230.9.9/16"));
  CHECK(link_of(c, "eth0")["link_index"] == link_of(lab.host, "master0")["ifindex"]);  // master from prevResult
  CHECK(lab.call(test::ours("ipvlan"), "DEL", "c1", c.path(), conf).rc == 0);
}

TEST_CASE("ipvlan: a bad mode is code 7 and nothing is created", "[ipvlan]") {
  IpvlanLab lab;
  test::TestNetns c("ic");
  auto r = lab.call(test::ours("ipvlan"), "ADD", "c1", c.path(), lab.conf("l4"));
  CHECK(r.rc == 1);
  CHECK(r.json()["code"] == 7);
  CHECK(link_of(c, "eth0").is_null());
  CHECK(test::list_dir(lab.data.path).empty());
}

TEST_CASE("ipvlan: same result and link as the reference ipvlan", "[ipvlan][interop]") {
  for (const char* mode : {"l2", "l3"}) {
    json results[2];
    std::string modes[2];
    const std::string bins[2] = {test::reference("ipvlan"), test::ours("ipvlan")};
    for (int i = 0; i < 2; ++i) {
      IpvlanLab lab;
      test::TestNetns c("ic");
      auto conf = lab.conf(mode);
      auto r = lab.call(bins[i], "ADD", "c1", c.path(), conf);
      INFO(bins[i] << ": " << r.out << r.err);
      REQUIRE(r.rc == 0);
      results[i] = r.json();
      results[i]["interfaces"][0].erase("mac");
      results[i]["interfaces"][0].erase("sandbox");
      if (results[i].contains("dns") && results[i]["dns"].empty()) results[i].erase("dns");
      modes[i] = ipvlan_mode(c);
      CHECK(lab.call(bins[1 - i], "DEL", "c1", c.path(), conf).rc == 0);  // the other one cleans up
      CHECK(link_of(c, "eth0").is_null());
      CHECK(lab.leases().empty());
    }
    CHECK(results[1] == results[0]);
    CHECK(modes[1] == modes[0]);
  }
}
