// vrf through the CNI protocol on a kernel with VRF devices (natively, or in user-mode-linux
// via uml-run). The container's interfaces are veths made by the test, with the addresses
// and routes an IPAM would have set, and a matching prevResult.
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {

struct VrfLab {
  test::TestNetns host{"vh"};
  test::TestNetns c{"vc"};

  // eth<n> in the container: 10.252.<n>.2/24 (gateway .1) and fd00:252:<n>::2/64, a
  // default route via the gateway when `gateway`.
  json attach(int n, bool gateway = true) const {
    const auto ifname = "eth" + std::to_string(n), peer = test::unique_name("vp");
    const auto v4 = "10.252." + std::to_string(n) + ".2/24", v6 = "fd00:252:" + std::to_string(n) + "::2/64";
    int rc = -1;
    test::sh("ip -n " + host.name + " link add " + peer + " type veth peer name " + ifname + " netns " + c.name +
                 " && ip -n " + c.name + " addr add " + v4 + " dev " + ifname + " && ip -n " + c.name + " addr add " +
                 v6 + " dev " + ifname + " nodad && ip -n " + c.name + " link set " + ifname + " up" +
                 (gateway ? " && ip -n " + c.name + " route add 198.18." + std::to_string(n) + ".0/24 via 10.252." + std::to_string(n) + ".1 dev " + ifname
                          : ""),
             &rc);
    REQUIRE(rc == 0);
    return {{"cniVersion", "1.0.0"},
            {"interfaces", json::array({{{"name", ifname}, {"sandbox", c.path()}}})},
            {"ips", json::array({{{"address", v4}, {"gateway", "10.252." + std::to_string(n) + ".1"}, {"interface", 0}},
                                 {{"address", v6}, {"interface", 0}}})}};
  }

  static json conf(const json& prev, const std::string& vrf, int table = 0) {
    json c{{"cniVersion", "1.0.0"}, {"name", "vrfnet"}, {"type", "vrf"}, {"vrfname", vrf}};
    if (table) c["table"] = table;
    if (!prev.is_null()) c["prevResult"] = prev;
    return c;
  }

  test::RunResult call(const std::string& bin, const std::string& cmd, const json& conf, const std::string& ifname,
                       const std::string& netns = "") const {
    auto env = test::cni_env(cmd, "v1", netns.empty() ? c.path() : netns, ifname);
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, bin});
  }

  json link(const std::string& name) const {
    auto out = c.exec("ip -j -d link show dev " + name + " 2>/dev/null");
    return out.empty() ? json() : json::parse(out)[0];
  }
};

}  // namespace

TEST_CASE("vrf: created with the lowest free table, interfaces enslaved, addresses and routes kept, DEL", "[vrf]") {
  VrfLab lab;
  auto p0 = lab.attach(0), p1 = lab.attach(1);
  auto r = lab.call(test::ours("vrf"), "ADD", VrfLab::conf(p0, "red"), "eth0");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.json()["interfaces"] == p0["interfaces"]);
  CHECK(r.json()["ips"].size() == 2);
  auto red = lab.link("red");
  REQUIRE(!red.is_null());
  CHECK(red["linkinfo"]["info_kind"] == "vrf");
  CHECK(red["linkinfo"]["info_data"]["table"] == 1);
  CHECK_THAT(red["flags"].dump(), Catch::Contains("UP"));
  CHECK(lab.link("eth0")["master"] == "red");
  // Enslaving cycles the link: the IPv6 address is back, the gateway route is in the VRF's table.
  CHECK_THAT(lab.c.exec("ip -6 addr show dev eth0"), Catch::Contains("fd00:252::2/64"));
  CHECK_THAT(lab.c.exec("ip route show vrf red"), Catch::Contains("198.18.0.0/24 via 10.252.0.1 dev eth0"));
  CHECK(lab.call(test::ours("vrf"), "CHECK", VrfLab::conf(p0, "red"), "eth0").rc == 0);

  // A second interface joins the same VRF; a second VRF takes the next table.
  REQUIRE(lab.call(test::ours("vrf"), "ADD", VrfLab::conf(p1, "red"), "eth1").rc == 0);
  CHECK(lab.link("eth1")["master"] == "red");
  auto p2 = lab.attach(2, false);
  REQUIRE(lab.call(test::ours("vrf"), "ADD", VrfLab::conf(p2, "blue"), "eth2").rc == 0);
  CHECK(lab.link("blue")["linkinfo"]["info_data"]["table"] == 2);

  // DEL releases the interface; the VRF goes with its last one.
  REQUIRE(lab.call(test::ours("vrf"), "DEL", VrfLab::conf(p0, "red"), "eth0").rc == 0);
  CHECK(!lab.link("eth0").contains("master"));
  CHECK(!lab.link("red").is_null());
  CHECK(lab.call(test::ours("vrf"), "CHECK", VrfLab::conf(p0, "red"), "eth0").rc != 0);
  REQUIRE(lab.call(test::ours("vrf"), "DEL", VrfLab::conf(p1, "red"), "eth1").rc == 0);
  CHECK(lab.link("red").is_null());
  CHECK(lab.call(test::ours("vrf"), "DEL", VrfLab::conf(p1, "red"), "eth1").rc == 0);
}

TEST_CASE("vrf: conflicts and bad input are refused, nothing created", "[vrf]") {
  VrfLab lab;
  auto p0 = lab.attach(0);
  lab.c.exec("ip link add green type vrf table 30");
  auto refused = [&](const json& conf, const std::string& words) {
    auto r = lab.call(test::ours("vrf"), "ADD", conf, "eth0");
    INFO(r.out << r.err);
    REQUIRE(r.rc != 0);
    CHECK_THAT(r.out, Catch::Contains(words));
    CHECK(!lab.link("eth0").contains("master"));
  };
  refused(VrfLab::conf(p0, "green", 31), "already exists with a different table 30");
  refused(VrfLab::conf(p0, "lo"), "already exists but is not a VRF");
  refused(VrfLab::conf(p0, ""), "configuration is expected to have a valid vrf name");
  refused(VrfLab::conf(json(), "red"), "missing prevResult");
  refused(VrfLab::conf(p0, "red", 254), "reserved routing table");
  CHECK(lab.link("red").is_null());
  // The configured table is used.
  REQUIRE(lab.call(test::ours("vrf"), "ADD", VrfLab::conf(p0, "green", 30), "eth0").rc == 0);
  CHECK(lab.link("eth0")["master"] == "green");
}

TEST_CASE("vrf: DEL without the interface or the netns, the reference fails the first", "[vrf][interop]") {
  VrfLab lab;
  auto p0 = lab.attach(0);
  auto conf = VrfLab::conf(p0, "red");
  REQUIRE(lab.call(test::reference("vrf"), "ADD", conf, "eth0").rc == 0);
  // The reference's VRF is the same device ours makes.
  CHECK(lab.link("red")["linkinfo"]["info_data"]["table"] == 1);
  CHECK(lab.call(test::ours("vrf"), "CHECK", conf, "eth0").rc == 0);
  lab.c.exec("ip link del eth0");
  CHECK(lab.call(test::reference("vrf"), "DEL", conf, "eth0").rc != 0);
  auto r = lab.call(test::ours("vrf"), "DEL", conf, "eth0");
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(lab.link("red").is_null());
  CHECK(lab.call(test::ours("vrf"), "DEL", conf, "eth0", "/var/run/netns/gone").rc == 0);
}

TEST_CASE("vrf: 8 attachments of one container join two VRFs at once, then leave at once: one device per name, "
          "distinct tables, none left",
          "[vrf]") {
  // A runtime attaching several networks of one container runs their chains at the same
  // moment: each finds-or-creates its VRF, picks a free table, enslaves; each DEL asks
  // "is the VRF empty?" and deletes it. Without the lock on the namespace two ADDs create
  // the same name (EEXIST) or two names take the same table.
  VrfLab lab;
  constexpr int kN = 8;
  std::vector<json> prev;
  for (int i = 0; i < kN; ++i) prev.push_back(lab.attach(i));
  auto vrf_of = [](int i) { return i % 2 ? std::string("blue") : std::string("red"); };
  for (const std::string cmd : {"ADD", "DEL"}) {
    std::vector<test::RunResult> results(kN);
    std::vector<std::thread> threads;
    for (int i = 0; i < kN; ++i)
      threads.emplace_back([&, i] {
        results[static_cast<size_t>(i)] =
            lab.call(test::ours("vrf"), cmd, VrfLab::conf(prev[static_cast<size_t>(i)], vrf_of(i)), "eth" + std::to_string(i));
      });
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      INFO(cmd << ": " << r.out << r.err);
      CHECK(r.rc == 0);
    }
    if (cmd == "ADD") {
      const auto red = lab.link("red"), blue = lab.link("blue");
      REQUIRE(!red.is_null());
      REQUIRE(!blue.is_null());
      CHECK(red["linkinfo"]["info_data"]["table"] != blue["linkinfo"]["info_data"]["table"]);
      for (int i = 0; i < kN; ++i) CHECK(lab.link("eth" + std::to_string(i))["master"] == vrf_of(i));
    } else {
      CHECK(lab.link("red").is_null());
      CHECK(lab.link("blue").is_null());
    }
  }
}
