// portmap: the rules themselves. They are found again by attachment (network, container
// ID, ifname) in every situation a runtime creates: DEL without runtimeConfig, without the
// netns, repeated; a container on two networks; an address reused by another container; a
// repeated ADD; 20 ADDs at once on a host without the table; GC; CHECK; and bad input
// changes nothing. No traffic here (portmap_traffic_test.cpp has it): a prevResult is
// enough for portmap, which never enters the container.
#include <thread>

#include <catch2/catch.hpp>

#include "hostport_lab.hpp"

using namespace hostport_test;

namespace {

// A bridge-like result for a container at 10.214.0.N and fd00:214::N.
json prev_result(int n, const std::string& ifname = "eth0") {
  const auto v4 = "10.214.0." + std::to_string(n), v6 = "fd00:214::" + std::to_string(n);
  return {{"cniVersion", "1.0.0"},
          {"interfaces", json::array({{{"name", "br0"}}, {{"name", "veth0"}}, {{"name", ifname}, {"sandbox", "/var/run/netns/x"}}})},
          {"ips", json::array({{{"interface", 2}, {"address", v4 + "/24"}, {"gateway", kGatewayV4}},
                               {{"interface", 2}, {"address", v6 + "/64"}, {"gateway", kGatewayV6}}})}};
}

json tcp(int host, int cont) { return {{"hostPort", host}, {"containerPort", cont}, {"protocol", "tcp"}}; }
json udp(int host, int cont) { return {{"hostPort", host}, {"containerPort", cont}, {"protocol", "udp"}}; }

struct Rules : Lab {
  test::RunResult pm(const std::string& cmd, const std::string& id, const json& conf, const std::string& ifname = "eth0",
                     const std::string& netns = "/var/run/netns/x") const {
    return run(test::ours("portmap"), cmd, id, netns, conf, ifname);
  }
  // Rules (in any chain of our table) whose comment names this attachment.
  size_t rules_of(const std::string& network, const std::string& id, const std::string& ifname = "eth0") const {
    return count(host.exec("nft list table inet cnipp_hostport 2>/dev/null"),
                 "net: " + network + ", if: " + ifname + ", id: " + id + "\"");
  }
  size_t dnat_rules() const { return count(nat_rules("hostports"), "dnat ip"); }
};

}  // namespace

TEST_CASE("portmap CHECK: passes for a dual-stack attachment, fails when a rule or the prevResult is missing", "[portmap]") {
  Rules lab;
  auto conf = Lab::portmap_conf(prev_result(2), json::array({tcp(8080, 80), udp(5353, 53)}));
  REQUIRE(lab.pm("ADD", "a", conf).rc == 0);
  auto ok = lab.pm("CHECK", "a", conf);
  INFO(ok.out);
  CHECK(ok.rc == 0);

  SECTION("a rule deleted by hand") {
    auto handle = trim(lab.host.exec("nft -a list chain inet cnipp_hostport hostports | sed -n 's/.*udp dport 5353 .*# handle //p' | head -1"));
    REQUIRE_FALSE(handle.empty());
    lab.host.exec("nft delete rule inet cnipp_hostport hostports handle " + handle);
    auto r = lab.pm("CHECK", "a", conf);
    CHECK(r.rc != 0);
    CHECK(r.json()["details"].get<std::string>().find("udp 5353") != std::string::npos);
  }
  SECTION("after DEL") {
    REQUIRE(lab.pm("DEL", "a", conf).rc == 0);
    CHECK(lab.pm("CHECK", "a", conf).rc != 0);
  }
  SECTION("without prevResult") {
    auto no_prev = conf;
    no_prev.erase("prevResult");
    auto r = lab.pm("CHECK", "a", no_prev);
    CHECK(r.rc != 0);
    CHECK(r.json()["msg"] == "Required prevResult missing");
  }
  SECTION("another attachment's rules do not make this one's pass") {
    CHECK(lab.pm("CHECK", "b", conf).rc != 0);
  }
}

TEST_CASE("portmap DEL: removes exactly the attachment's rules, however it is called", "[portmap]") {
  Rules lab;
  const auto mappings = json::array({tcp(8080, 80), udp(5353, 53)});
  // The attachment under test, and its neighbours: the same container on another network
  // and another interface, another container on the same network.
  REQUIRE(lab.pm("ADD", "a", Lab::portmap_conf(prev_result(2), mappings)).rc == 0);
  REQUIRE(lab.pm("ADD", "a", Lab::portmap_conf(prev_result(3, "eth1"), json::array({tcp(8081, 80)}), "othernet"), "eth1").rc == 0);
  REQUIRE(lab.pm("ADD", "a", Lab::portmap_conf(prev_result(4, "eth2"), json::array({tcp(8082, 80)})), "eth2").rc == 0);
  REQUIRE(lab.pm("ADD", "b", Lab::portmap_conf(prev_result(5), json::array({tcp(8083, 80)}))).rc == 0);
  REQUIRE(lab.rules_of("pmnet", "a") == 7);  // 4 DNAT + hairpin v4, localhost v4, hairpin v6

  json bare{{"cniVersion", "1.0.0"}, {"name", "pmnet"}, {"type", "portmap"}};  // no runtimeConfig, no prevResult
  SECTION("no runtimeConfig, no prevResult") { CHECK(lab.pm("DEL", "a", bare).rc == 0); }
  SECTION("CNI_NETNS empty") { CHECK(lab.pm("DEL", "a", bare, "eth0", "").rc == 0); }
  SECTION("the netns is gone") { CHECK(lab.pm("DEL", "a", bare, "eth0", "/var/run/netns/gone-" + lab.br).rc == 0); }
  SECTION("twice") {
    CHECK(lab.pm("DEL", "a", Lab::portmap_conf(nullptr, mappings)).rc == 0);
    CHECK(lab.pm("DEL", "a", Lab::portmap_conf(nullptr, mappings)).rc == 0);
  }
  CHECK(lab.rules_of("pmnet", "a") == 0);
  // One mapping on a dual-stack container: 2 DNAT + hairpin v4, localhost v4, hairpin v6.
  CHECK(lab.rules_of("othernet", "a", "eth1") == 5);
  CHECK(lab.rules_of("pmnet", "a", "eth2") == 5);
  CHECK(lab.rules_of("pmnet", "b") == 5);
  // What stays is the table's own frame, and nothing for "a".
  CHECK(lab.nat_rules("hostports").find("8080") == std::string::npos);
}

TEST_CASE("portmap: an address reused by another container keeps the new owner's rules", "[portmap]") {
  Rules lab;
  REQUIRE(lab.pm("ADD", "a", Lab::portmap_conf(prev_result(2), json::array({tcp(8080, 80)}))).rc == 0);
  REQUIRE(lab.pm("ADD", "b", Lab::portmap_conf(prev_result(2), json::array({tcp(8090, 80)}))).rc == 0);
  REQUIRE(lab.pm("DEL", "a", Lab::portmap_conf(nullptr, json::array())).rc == 0);
  CHECK(lab.rules_of("pmnet", "b") == 5);
  CHECK(lab.nat_rules("hostports").find("tcp dport 8090") != std::string::npos);
  CHECK(lab.nat_rules("hostports").find("tcp dport 8080") == std::string::npos);
}

TEST_CASE("portmap: a repeated ADD replaces the attachment's rules instead of adding more", "[portmap]") {
  Rules lab;
  auto conf = Lab::portmap_conf(prev_result(2), json::array({tcp(8080, 80), udp(5353, 53)}));
  REQUIRE(lab.pm("ADD", "a", conf).rc == 0);
  const auto once = lab.host.exec("nft list table inet cnipp_hostport");
  REQUIRE(lab.pm("ADD", "a", conf).rc == 0);
  CHECK(lab.host.exec("nft list table inet cnipp_hostport") == once);
  REQUIRE(lab.pm("ADD", "a", Lab::portmap_conf(prev_result(2), json::array({tcp(9090, 90)}))).rc == 0);
  CHECK(lab.rules_of("pmnet", "a") == 5);
  CHECK(lab.nat_rules("hostports").find("dport 8080") == std::string::npos);
  CHECK(lab.nat_rules("hostports").find("dport 9090") != std::string::npos);
}

TEST_CASE("portmap: 20 ADDs at once on a host without the table, then 20 DELs at once", "[portmap]") {
  Rules lab;
  constexpr int kN = 20;
  for (const std::string cmd : {"ADD", "DEL"}) {
    std::vector<test::RunResult> results(kN);
    std::vector<std::thread> threads;
    for (int i = 0; i < kN; ++i)
      threads.emplace_back([&, i] {
        results[i] = lab.pm(cmd, "p" + std::to_string(i),
                            Lab::portmap_conf(prev_result(10 + i), json::array({tcp(9000 + i, 80), udp(9500 + i, 53)})));
      });
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
      INFO(cmd << ": " << r.out << r.err);
      CHECK(r.rc == 0);
    }
    const auto table = lab.host.exec("nft list table inet cnipp_hostport");
    if (cmd == "ADD") {
      CHECK(count(table, "dnat ip to") == 2 * kN);
      CHECK(count(table, "dnat ip6 to") == 2 * kN);
      CHECK(count(table, "masquerade comment") == 3 * kN);
      CHECK(count(table, "comment \"jump hostports\"") == 2);  // one per base chain, however many raced
      for (int i = 0; i < kN; ++i) CHECK(lab.rules_of("pmnet", "p" + std::to_string(i)) == 7);
    } else {
      CHECK(count(table, "comment \"") == 3);  // the two jumps and the route_localnet guard
    }
  }
}

TEST_CASE("portmap GC: rules of attachments not in cni.dev/valid-attachments go, the others stay", "[portmap]") {
  Rules lab;
  for (const char* id : {"keep", "gone1", "gone2"})
    REQUIRE(lab.pm("ADD", id, Lab::portmap_conf(prev_result(2), json::array({tcp(8080, 80)}), "pmnet", "1.1.0")).rc == 0);
  REQUIRE(lab.pm("ADD", "x", Lab::portmap_conf(prev_result(3), json::array({tcp(8081, 80)}), "othernet", "1.1.0")).rc == 0);
  json gc{{"cniVersion", "1.1.0"}, {"name", "pmnet"}, {"type", "portmap"}};
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}});
  auto r = lab.run(test::ours("portmap"), "GC", "", "", gc, "");
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(lab.rules_of("pmnet", "keep") == 5);
  CHECK(lab.rules_of("pmnet", "gone1") == 0);
  CHECK(lab.rules_of("pmnet", "gone2") == 0);
  CHECK(lab.rules_of("othernet", "x") == 5);  // another network's GC is not ours to do
}

TEST_CASE("portmap: bad input is refused with code 7 before anything is written", "[portmap]") {
  Rules lab;
  auto base = Lab::portmap_conf(prev_result(2), json::array({tcp(8080, 80)}));
  auto bad = [&](const std::function<void(json&)>& edit, const std::string& what) {
    auto c = base;
    edit(c);
    auto r = lab.pm("ADD", "a", c);
    INFO(what << ": " << r.out);
    CHECK(r.rc != 0);
    CHECK(r.json()["code"] == 7);
    CHECK(lab.ruleset().empty());
  };
  bad([](json& c) { c["runtimeConfig"]["portMappings"][0]["hostPort"] = 0; }, "host port 0");
  bad([](json& c) { c["runtimeConfig"]["portMappings"][0]["hostPort"] = 65536; }, "host port 65536");
  bad([](json& c) { c["runtimeConfig"]["portMappings"][0]["containerPort"] = -1; }, "container port -1");
  bad([](json& c) { c["runtimeConfig"]["portMappings"][0]["hostPort"] = "8080"; }, "host port as a string");
  bad([](json& c) { c["runtimeConfig"]["portMappings"][0]["protocol"] = "icmp"; }, "unknown protocol");
  bad([](json& c) { c["runtimeConfig"]["portMappings"][0]["hostIP"] = "not-an-ip"; }, "bad hostIP");
  bad([](json& c) { c["runtimeConfig"]["portMappings"].push_back(tcp(8080, 81)); }, "same host port twice");
  bad([](json& c) { c["markMasqBit"] = 32; }, "markMasqBit 32");
  bad([](json& c) {
    c["markMasqBit"] = 5;
    c["externalSetMarkChain"] = "KUBE-MARK-MASQ";
  }, "markMasqBit with externalSetMarkChain");
  bad([](json& c) { c["backend"] = "foo"; }, "unknown backend");
  bad([](json& c) {
    c["backend"] = "nftables";
    c["conditionsV4"] = json::array({"-d", "192.0.2.0/24"});
  }, "iptables conditions with the nftables backend");
  bad([](json& c) { c["conditionsV4"] = json::array({"ip", "daddr", "!=", "300.1.1.1"}); }, "conditions that do not parse");
  bad([](json& c) { c["conditionsV4"] = json::array({"ip6", "saddr", "::1"}); }, "IPv6 condition for IPv4");
  bad([](json& c) { c["conditionsV4"] = json::array({"-d 1.2.3.4\n-A INPUT -j DROP"}); }, "a line break in a condition");
  bad([](json& c) { c.erase("prevResult"); }, "no prevResult");
  // A hostIP of a family the container has no address in.
  auto v4_only = prev_result(2);
  v4_only["ips"].erase(1);
  bad([&](json& c) {
    c["prevResult"] = v4_only;
    c["runtimeConfig"]["portMappings"][0]["hostIP"] = "2001:db8::1";
  }, "IPv6 hostIP for an IPv4-only container");
}

TEST_CASE("portmap: no mappings passes prevResult through and writes nothing, STATUS and VERSION answer", "[portmap]") {
  Rules lab;
  for (const char* version : {"0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
    auto conf = Lab::portmap_conf(prev_result(2), json::array(), "pmnet", version);
    auto r = lab.pm("ADD", "a", conf);
    INFO(version << ": " << r.out);
    REQUIRE(r.rc == 0);
    CHECK(r.json()["cniVersion"] == version);
    REQUIRE(r.json()["ips"].size() == 2);
    CHECK(r.json()["ips"][0]["address"] == "10.214.0.2/24");
    CHECK(r.json()["ips"][1]["address"] == "fd00:214::2/64");
  }
  CHECK(lab.ruleset().empty());
  auto status = lab.run(test::ours("portmap"), "STATUS", "", "", Lab::portmap_conf(nullptr, json::array(), "pmnet", "1.1.0"), "");
  CHECK(status.rc == 0);
  auto version = lab.run(test::ours("portmap"), "VERSION", "", "", json::object(), "");
  CHECK(version.json()["supportedVersions"].size() == 7);
}
