// firewall through the CNI protocol, chained after our bridge in test namespaces: the
// nftables backend's tagged rules and their bookkeeping, the automatic choice of the
// iptables backend on a host whose FORWARD chain drops (with traffic that only passes
// because of the plugin), same-bridge isolation with traffic, and bad input.
#include <catch2/catch.hpp>

#include "meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;

namespace {

json fw_conf(const Lab& lab, const json& prev, json extra = json::object()) {
  json c{{"type", "firewall"}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return lab.chained(c, prev);
}

std::string allow_chain(const Lab& lab) {
  return lab.host.exec("nft list chain inet cnipp_firewall allow 2>/dev/null");
}

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// One echo; `wait` seconds for the reply. Where the test expects none, a short wait will do:
// a reply that comes at all comes within milliseconds here.
bool ping(const test::TestNetns& from, const std::string& to, const char* wait = "1") {
  int rc = -1;
  from.exec("ping -c1 -W" + std::string(wait) + " " + to + " >/dev/null 2>&1", &rc);
  return rc == 0;
}

// Another machine on the host's LAN, routing the containers' subnet through the host.
struct Outside {
  test::TestNetns ns{"mo"};
  explicit Outside(const Lab& lab) {
    const auto up = test::unique_name("mu"), peer = test::unique_name("mv");
    int rc = 0;
    test::sh("ip -n " + lab.host.name + " link add " + up + " type veth peer name " + peer + " netns " + ns.name, &rc);
    REQUIRE(rc == 0);
    lab.host.exec("ip addr add 192.0.2.1/24 dev " + up);
    lab.host.exec("ip link set " + up + " up");
    ns.exec("ip addr add 192.0.2.2/24 dev " + peer);
    ns.exec("ip link set " + peer + " up");
    ns.exec("ip route add " + meta_test::kSubnetV4 + " via 192.0.2.1");
  }
};

}  // namespace

TEST_CASE("firewall: nftables rules tagged by attachment, CHECK, DEL without netns or prevResult, GC", "[firewall]") {
  Lab lab;
  test::TestNetns c1("mc"), c2("mc");
  auto p1 = lab.attach(c1, "f1", true);
  auto p2 = lab.attach(c2, "f2", true);
  auto conf1 = fw_conf(lab, p1), conf2 = fw_conf(lab, p2);
  for (auto [id, ns, conf] : {std::tuple{"f1", &c1, &conf1}, std::tuple{"f2", &c2, &conf2}}) {
    auto r = lab.run(test::ours("firewall"), "ADD", id, ns->path(), *conf);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.json() == (*conf)["prevResult"]);
  }
  auto allow = allow_chain(lab);
  for (const auto* p : {&p1, &p2}) {
    const auto v4 = meta_test::addr(*p, 4), v6 = meta_test::addr(*p, 6);
    CHECK_THAT(allow, Catch::Contains("ip daddr " + v4 + " ct state established,related accept"));
    CHECK_THAT(allow, Catch::Contains("ip saddr " + v4 + " accept"));
    CHECK_THAT(allow, Catch::Contains("ip6 daddr " + v6 + " ct state established,related accept"));
    CHECK_THAT(allow, Catch::Contains("ip6 saddr " + v6 + " accept"));
  }
  CHECK(count(allow, "id: f1\"") == 4);
  auto forward = lab.host.exec("nft list chain inet cnipp_firewall forward");
  CHECK_THAT(forward, Catch::Contains("hook forward") && Catch::Contains("jump admin") && Catch::Contains("jump allow"));
  // The admin chain is the operator's: a rule put there survives ADDs.
  lab.host.exec("nft add rule inet cnipp_firewall admin ip saddr 10.250.0.99 drop");
  REQUIRE(lab.run(test::ours("firewall"), "ADD", "f1", c1.path(), conf1).rc == 0);
  CHECK_THAT(lab.host.exec("nft list chain inet cnipp_firewall admin"), Catch::Contains("10.250.0.99"));

  CHECK(lab.run(test::ours("firewall"), "CHECK", "f2", c2.path(), conf2).rc == 0);
  // A rule removed by hand is missing for CHECK.
  auto handles = lab.host.exec("nft -a list chain inet cnipp_firewall allow | grep 'id: f2\"' | head -1");
  auto h = handles.substr(handles.rfind("handle ") + 7);
  lab.host.exec("nft delete rule inet cnipp_firewall allow handle " + meta_test::trim(h));
  auto chk = lab.run(test::ours("firewall"), "CHECK", "f2", c2.path(), conf2);
  CHECK(chk.rc != 0);
  CHECK_THAT(chk.out, Catch::Contains("3 of its 4 rules"));

  // DEL finds the rules by their tag: no netns, no prevResult needed, other attachments kept.
  auto r = lab.run(test::ours("firewall"), "DEL", "f2", "/var/run/netns/gone", fw_conf(lab, json()));
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  allow = allow_chain(lab);
  CHECK(count(allow, "id: f2\"") == 0);
  CHECK(count(allow, "id: f1\"") >= 4);
  CHECK(lab.run(test::ours("firewall"), "DEL", "f2", "/var/run/netns/gone", fw_conf(lab, json())).rc == 0);

  // GC keeps the valid attachments of this network only.
  json gc = lab.chained({{"type", "firewall"}}, json(), "1.1.0");
  gc["cni.dev/valid-attachments"] = json::array();
  REQUIRE(lab.run(test::ours("firewall"), "GC", "", "", gc).rc == 0);
  CHECK(count(allow_chain(lab), "id: f1\"") == 0);
}

TEST_CASE("firewall: on a host whose iptables FORWARD drops, the iptables backend lets the container out", "[firewall][traffic]") {
  Lab lab;
  Outside out(lab);
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "f3");
  lab.host.exec("sysctl -qw net.ipv4.ip_forward=1");
  lab.host.exec("iptables -P FORWARD DROP");
  REQUIRE_FALSE(ping(c, "192.0.2.2", "0.3"));

  auto conf = fw_conf(lab, prev);  // no backend: chosen from the host
  auto r = lab.run(test::ours("firewall"), "ADD", "f3", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto save = lab.host.exec("iptables-save -t filter");
  CHECK_THAT(save, Catch::Contains("-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD"));
  CHECK_THAT(lab.host.exec("nft list tables"), !Catch::Contains("cnipp_firewall"));
  CHECK(ping(c, "192.0.2.2"));
  CHECK(lab.run(test::ours("firewall"), "CHECK", "f3", c.path(), conf).rc == 0);

  REQUIRE(lab.run(test::ours("firewall"), "DEL", "f3", c.path(), conf).rc == 0);
  CHECK_FALSE(ping(c, "192.0.2.2", "0.3"));
  CHECK_THAT(lab.host.exec("iptables-save -t filter"), !Catch::Contains(meta_test::addr(prev, 4)));
}

TEST_CASE("firewall: same-bridge isolation keeps two isolated bridges apart (nftables)", "[firewall][traffic]") {
  Lab a;
  Lab b;  // only its names: both bridges live in a's host namespace
  b.network = "metanet2";
  test::TestNetns ca("mc"), cb("mc");
  auto pa = a.attach(ca, "fa");
  json bconf = b.bridge_conf();
  bconf["bridge"] = b.br;
  bconf["ipam"]["ranges"] = json::array({json::array({{{"subnet", "10.251.0.0/24"}}})});
  bconf["ipam"]["dataDir"] = b.data.path;
  auto rb = a.run(test::ours("bridge"), "ADD", "fb", cb.path(), bconf);
  REQUIRE(rb.rc == 0);
  auto pb = rb.json();
  a.host.exec("sysctl -qw net.ipv4.ip_forward=1");
  const auto addr_b = meta_test::addr(pb, 4);
  REQUIRE(ping(ca, addr_b));

  auto conf_a = fw_conf(a, pa, {{"ingressPolicy", "same-bridge"}});
  REQUIRE(a.run(test::ours("firewall"), "ADD", "fa", ca.path(), conf_a).rc == 0);
  // One isolated bridge: traffic to a bridge that is not isolated still passes.
  CHECK(ping(ca, addr_b));
  json conf_b = fw_conf(a, pb, {{"ingressPolicy", "same-bridge"}});
  conf_b["name"] = b.network;
  REQUIRE(a.run(test::ours("firewall"), "ADD", "fb", cb.path(), conf_b).rc == 0);
  CHECK_FALSE(ping(ca, addr_b, "0.3"));
  CHECK_FALSE(ping(cb, meta_test::addr(pa, 4), "0.3"));
  // Within a bridge nothing changes: the gateway answers.
  CHECK(ping(ca, meta_test::kGatewayV4));
  auto stage1 = a.host.exec("nft list chain inet cnipp_firewall isolation_stage_1");
  CHECK_THAT(stage1, Catch::Contains("iifname \"" + a.br + "\" oifname != \"" + a.br + "\""));
  // A repeated ADD adds no second isolation rule.
  REQUIRE(a.run(test::ours("firewall"), "ADD", "fa", ca.path(), conf_a).rc == 0);
  CHECK(count(a.host.exec("nft list chain inet cnipp_firewall isolation_stage_2"), "drop") == 2);
}

TEST_CASE("firewall: bad input changes nothing", "[firewall]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "f5");
  auto refused = [&](const json& conf, int code, const std::string& words) {
    auto r = lab.run(test::ours("firewall"), "ADD", "f5", c.path(), conf);
    INFO(r.out << r.err);
    REQUIRE(r.rc != 0);
    CHECK(r.json()["code"] == code);
    CHECK_THAT(r.out, Catch::Contains(words));
    CHECK_THAT(lab.host.exec("nft list tables"), !Catch::Contains("cnipp_firewall"));
    CHECK_THAT(lab.host.exec("iptables-save -t filter 2>/dev/null"), !Catch::Contains("CNI-"));
  };
  refused(fw_conf(lab, prev, {{"backend", "pf"}}), 7, "unknown firewall backend");
  refused(fw_conf(lab, prev, {{"ingressPolicy", "closed"}}), 7, "unknown ingress policy");
  refused(fw_conf(lab, prev, {{"backend", "iptables"}, {"iptablesAdminChainName", "A B"}}), 7, "iptablesAdminChainName");
  refused(fw_conf(lab, prev, {{"backend", "iptables"}, {"iptablesAdminChainName", std::string(29, 'A')}}), 7,
          "iptablesAdminChainName");
  refused(fw_conf(lab, json()), 7, "missing prevResult from earlier plugin");
  refused(fw_conf(lab, prev, {{"backend", "firewalld"}}), 50, "firewalld");
  auto no_ifs = prev;
  no_ifs["interfaces"] = json::array();
  for (auto& ip : no_ifs["ips"]) ip.erase("interface");
  refused(fw_conf(lab, no_ifs, {{"ingressPolicy", "same-bridge"}}), 7, "make sure to chain");
  refused(fw_conf(lab, no_ifs, {{"ingressPolicy", "isolated"}}), 7, "ingress policy \\\"isolated\\\"");
}

// The reference v1.7.0's "isolated": same-bridge's rules, and no traffic between two ports of
// one bridge either (Docker's enable_icc=false). Bridged packets reach the forward hook
// through br_netfilter, switched on here in the lab's own host namespace only.
TEST_CASE("firewall: ingressPolicy isolated keeps two containers on one bridge apart, both backends",
          "[firewall][traffic]") {
  const std::string backend = GENERATE(std::string("nftables"), std::string("iptables"));
  INFO("backend " << backend);
  Lab lab;
  test::TestNetns c1("mc"), c2("mc");
  auto p1 = lab.attach(c1, "fi1");
  auto p2 = lab.attach(c2, "fi2");
  lab.host.exec("sysctl -qw net.ipv4.ip_forward=1");
  int rc = -1;
  lab.host.exec("sysctl -qw net.bridge.bridge-nf-call-iptables=1", &rc);
  REQUIRE(rc == 0);
  const auto a1 = meta_test::addr(p1, 4), a2 = meta_test::addr(p2, 4);
  REQUIRE(ping(c1, a2));

  // same-bridge first: the containers still reach each other.
  auto same = fw_conf(lab, p1, {{"ingressPolicy", "same-bridge"}, {"backend", backend}});
  REQUIRE(lab.run(test::ours("firewall"), "ADD", "fi1", c1.path(), same).rc == 0);
  CHECK(ping(c1, a2));

  auto conf = fw_conf(lab, p1, {{"ingressPolicy", "isolated"}, {"backend", backend}});
  auto r = lab.run(test::ours("firewall"), "ADD", "fi1", c1.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK_FALSE(ping(c1, a2, "0.3"));
  CHECK_FALSE(ping(c2, a1, "0.3"));
  CHECK(ping(c1, meta_test::kGatewayV4));  // the host itself is not forwarding
  if (backend == "nftables") {
    auto stage1 = lab.host.exec("nft list chain inet cnipp_firewall isolation_stage_1");
    CHECK_THAT(stage1, Catch::Contains("iifname \"" + lab.br + "\" oifname \"" + lab.br + "\" drop"));
    REQUIRE(lab.run(test::ours("firewall"), "ADD", "fi1", c1.path(), conf).rc == 0);
    CHECK(count(lab.host.exec("nft list chain inet cnipp_firewall isolation_stage_1"), "drop") == 1);
  } else {
    auto save = lab.host.exec("iptables-save -t filter");
    const std::string rule = "-A CNI-ISOLATION-STAGE-1 -i " + lab.br + " -o " + lab.br +
                             " -m comment --comment \"CNI firewall plugin rules (ingressPolicy: isolated)\" -j DROP";
    CHECK_THAT(save, Catch::Contains(rule));
    REQUIRE(lab.run(test::ours("firewall"), "ADD", "fi1", c1.path(), conf).rc == 0);
    CHECK(count(lab.host.exec("iptables-save -t filter"), rule) == 1);
  }
  // Never removed by DEL (other containers may still be on the bridge), as same-bridge's.
  REQUIRE(lab.run(test::ours("firewall"), "DEL", "fi1", c1.path(), conf).rc == 0);
  CHECK_FALSE(ping(c2, a1, "0.3"));
}
