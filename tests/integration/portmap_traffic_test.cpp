// portmap: traffic reaches the container through every path the issue lists, over TCP and
// UDP, IPv4 and IPv6: from another host (the "outside" namespace), from the host itself
// through any local address and 127.0.0.1, from siblings on the bridge (hairpin), and only
// for packets addressed to the host (GHSA-jv3w-x3r3-g6rm). The probes report who answered
// and which source address the container saw, so SNAT is checked too.
#include <catch2/catch.hpp>

#include "hostport_lab.hpp"

using namespace hostport_test;

namespace {

json mappings_8080_5353() {
  return json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}},
                      {{"hostPort", 5353}, {"containerPort", 53}, {"protocol", "udp"}}});
}

test::RunResult portmap(const Lab& lab, const std::string& cmd, const std::string& id, const test::TestNetns& ctr,
                        const json& conf) {
  return lab.run(test::ours("portmap"), cmd, id, ctr.path(), conf);
}

}  // namespace

TEST_CASE("portmap: TCP and UDP, v4 and v6, from outside, the host, localhost and siblings", "[portmap]") {
  Lab lab;
  test::TestNetns c1("pc"), c2("pc");
  auto r1 = lab.attach(c1, "c1");
  auto r2 = lab.attach(c2, "c2");
  const auto c2_v4 = Lab::addr(r2, 4);
  Server s1(c1.name, "c1", "80", "53");
  Server s2(c2.name, "c2", "80,8080", "53");
  auto conf = Lab::portmap_conf(r1, mappings_8080_5353());
  auto add = portmap(lab, "ADD", "c1", c1, conf);
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);

  // ADD passes prevResult through.
  CHECK(add.json() == r1);

  SECTION("from another host: the host's LAN address, its other local addresses, IPv6") {
    auto a = tcp_from(lab.outside.name, kHostV4, 8080);
    CHECK(who(a) == "c1");
    CHECK(seen(a) == kOutV4);  // no SNAT for traffic that comes back through us anyway
    CHECK(who(udp_from(lab.outside.name, kHostV4, 5353)) == "c1");
    lab.outside.exec("ip route add " + kSubnetV4 + " via " + kHostV4);
    CHECK(who(tcp_from(lab.outside.name, kGatewayV4, 8080)) == "c1");
    CHECK(who(tcp_from(lab.outside.name, kHostV6, 8080)) == "c1");
    CHECK(who(udp_from(lab.outside.name, kHostV6, 5353)) == "c1");
  }
  SECTION("only packets addressed to the host are translated (GHSA-jv3w-x3r3-g6rm)") {
    lab.outside.exec("ip route add " + kSubnetV4 + " via " + kHostV4);
    CHECK(who(tcp_from(lab.outside.name, c2_v4, 8080)) == "c2");
  }
  SECTION("from the host itself: its own address and 127.0.0.1 (route_localnet + SNAT)") {
    CHECK(who(tcp_from(lab.host.name, kHostV4, 8080)) == "c1");
    CHECK(who(udp_from(lab.host.name, kHostV4, 5353)) == "c1");
    auto lo = tcp_from(lab.host.name, "127.0.0.1", 8080);
    CHECK(who(lo) == "c1");
    CHECK(seen(lo) == kGatewayV4);
    CHECK(lab.host.exec("sysctl -n net.ipv4.conf." + lab.br + ".route_localnet") == "1\n");
    CHECK(who(tcp_from(lab.host.name, kHostV6, 8080)) == "c1");
    // IPv6 has no route_localnet: ::1 is never forwarded (documented), nothing answers.
    CHECK(tcp_from(lab.host.name, "::1", 8080, 0.5) == "");
  }
  SECTION("hairpin: the container itself and a sibling, masqueraded to the bridge address") {
    auto self = tcp_from(c1.name, kHostV4, 8080);
    CHECK(who(self) == "c1");
    CHECK(seen(self) == kGatewayV4);
    auto sib = tcp_from(c2.name, kHostV4, 8080);
    CHECK(who(sib) == "c1");
    CHECK(seen(sib) == kGatewayV4);
    CHECK(who(udp_from(c2.name, kHostV4, 5353)) == "c1");
    auto sib6 = tcp_from(c2.name, kHostV6, 8080);
    CHECK(who(sib6) == "c1");
    CHECK(seen(sib6) == kGatewayV6);
  }
  SECTION("after DEL nothing is forwarded any more") {
    REQUIRE(portmap(lab, "DEL", "c1", c1, conf).rc == 0);
    CHECK(tcp_from(lab.outside.name, kHostV4, 8080, 0.5) == "");
    CHECK(tcp_from(lab.host.name, "127.0.0.1", 8080, 0.5) == "");
    CHECK(tcp_from(c2.name, kHostV4, 8080, 0.5) == "");
  }
}

TEST_CASE("portmap: snat false, masqAll, hostIP and conditions", "[portmap]") {
  Lab lab;
  test::TestNetns c1("pc");
  auto r1 = lab.attach(c1, "c1");
  Server s1(c1.name, "c1", "80");

  SECTION("snat false: 127.0.0.1 is left to the host's own service") {
    Server host_svc(lab.host.name, "host", "8080");
    auto conf = Lab::portmap_conf(r1, json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}}));
    conf["snat"] = false;
    REQUIRE(portmap(lab, "ADD", "c1", c1, conf).rc == 0);
    CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "c1");
    CHECK(who(tcp_from(lab.host.name, "127.0.0.1", 8080)) == "host");
    CHECK(lab.nat_rules("masquerading").find("c1") == std::string::npos);
  }
  SECTION("masqAll: every forwarded connection is masqueraded") {
    auto conf = Lab::portmap_conf(r1, json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}}));
    conf["masqAll"] = true;
    REQUIRE(portmap(lab, "ADD", "c1", c1, conf).rc == 0);
    auto a = tcp_from(lab.outside.name, kHostV4, 8080);
    CHECK(who(a) == "c1");
    CHECK(seen(a) == kGatewayV4);
  }
  SECTION("hostIP: only that address; 0.0.0.0 is every IPv4 address and no IPv6 one") {
    auto conf = Lab::portmap_conf(r1, json::array({
        {{"hostPort", 8081}, {"containerPort", 80}, {"protocol", "tcp"}, {"hostIP", kHostV4}},
        {{"hostPort", 8082}, {"containerPort", 80}, {"protocol", "tcp"}, {"hostIP", "0.0.0.0"}},
        {{"hostPort", 8083}, {"containerPort", 80}, {"protocol", "tcp"}, {"hostIP", kHostV6}},
    }));
    auto add = portmap(lab, "ADD", "c1", c1, conf);
    INFO(add.out);
    REQUIRE(add.rc == 0);
    lab.outside.exec("ip route add " + kSubnetV4 + " via " + kHostV4);
    CHECK(who(tcp_from(lab.outside.name, kHostV4, 8081)) == "c1");
    CHECK(tcp_from(lab.outside.name, kGatewayV4, 8081, 0.5) == "");
    CHECK(tcp_from(lab.outside.name, kHostV6, 8081, 0.5) == "");
    CHECK(who(tcp_from(lab.outside.name, kGatewayV4, 8082)) == "c1");
    CHECK(tcp_from(lab.outside.name, kHostV6, 8082, 0.5) == "");
    CHECK(who(tcp_from(lab.outside.name, kHostV6, 8083)) == "c1");
    CHECK(tcp_from(lab.outside.name, kHostV4, 8083, 0.5) == "");
  }
  SECTION("conditions: per network, on every rule of that family") {
    auto conf = Lab::portmap_conf(r1, json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}}));
    conf["conditionsV4"] = json::array({"iifname", "!=", lab.uplink});
    conf["conditionsV6"] = json::array({"ip6 saddr != 2001:db8:214::/64"});
    auto add = portmap(lab, "ADD", "c1", c1, conf);
    INFO(add.out);
    REQUIRE(add.rc == 0);
    CHECK(tcp_from(lab.outside.name, kHostV4, 8080, 0.5) == "");
    CHECK(tcp_from(lab.outside.name, kHostV6, 8080, 0.5) == "");
    CHECK(who(tcp_from(lab.host.name, kHostV4, 8080)) == "c1");
  }
}

TEST_CASE("portmap: route_localnet does not open the host's loopback services to the bridge", "[portmap]") {
  Lab lab;
  test::TestNetns c1("pc"), c2("pc");
  auto r1 = lab.attach(c1, "c1");
  lab.attach(c2, "c2");
  Server s1(c1.name, "c1", "80");
  Server admin(lab.host.name, "admin", "9999");  // a host service meant for 127.0.0.1 only
  REQUIRE(portmap(lab, "ADD", "c1", c1,
                  Lab::portmap_conf(r1, json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}})))
              .rc == 0);
  REQUIRE(lab.host.exec("sysctl -n net.ipv4.conf." + lab.br + ".route_localnet") == "1\n");
  // c2 sends to 127.0.0.99 through the bridge, as a hostile neighbour would.
  // One shell inside c2 for the whole sequence (exec runs only its first word in the netns).
  int rc = 0;
  c2.exec("sh -c 'sysctl -qw net.ipv4.conf.eth0.route_localnet=1 && ip rule del pref 0 && ip rule add pref 100 lookup local && "
          "ip route add 127.0.0.99/32 via " + kGatewayV4 + " table 100 && ip rule add pref 10 to 127.0.0.99 lookup 100'", &rc);
  REQUIRE(rc == 0);
  CHECK(tcp_from(c2.name, "127.0.0.99", 9999, 0.5) == "");
  // The guard is what stops it: without the rule the neighbour gets in.
  auto handle = trim(lab.host.exec(
      "nft -a list chain inet cnipp_hostport localnet_guard | sed -n 's/.*route_localnet guard.*# handle //p'"));
  REQUIRE_FALSE(handle.empty());
  lab.host.exec("nft delete rule inet cnipp_hostport localnet_guard handle " + handle, &rc);
  REQUIRE(rc == 0);
  CHECK(who(tcp_from(c2.name, "127.0.0.99", 9999)) == "admin");
}

TEST_CASE("portmap: UDP conntrack entries are flushed on ADD and on DEL (the reference keeps them on DEL)", "[portmap]") {
  for (const std::string impl : {"ours", "reference"}) {
    DYNAMIC_SECTION(impl) {
      Lab lab;
      test::TestNetns c1("pc");
      auto r1 = lab.attach(c1, "c1");
      Server s1(c1.name, "c1", "", "53");
      auto conf = Lab::portmap_conf(r1, json::array({{{"hostPort", 5353}, {"containerPort", 53}, {"protocol", "udp"}}}));
      if (impl == "reference") conf["backend"] = "iptables";
      const auto bin = impl == "ours" ? test::ours("portmap") : test::reference("portmap");
      // A flow that starts before the mapping exists: nobody answers, conntrack remembers it.
      CHECK(udp_from(lab.outside.name, kHostV4, 5353, 40001, 0.3, 1) == "");
      REQUIRE(lab.run(bin, "ADD", "c1", c1.path(), conf).rc == 0);
      CHECK(who(udp_from(lab.outside.name, kHostV4, 5353, 40001)) == "c1");
      // After DEL, the same flow goes to whoever serves the port on the host now.
      Server host_svc(lab.host.name, "host", "", "5353");
      REQUIRE(lab.run(bin, "DEL", "c1", c1.path(), conf).rc == 0);
      auto after = who(udp_from(lab.outside.name, kHostV4, 5353, 40001));
      if (impl == "ours") CHECK(after == "host");
      else CHECK(after == "c1");  // plugins#1190: the stale entry still sends it to the container
    }
  }
}

TEST_CASE("portmap: two containers on one host port: the first holds it until its DEL, then the second", "[portmap]") {
  Lab lab;
  test::TestNetns c1("pc"), c2("pc");
  auto r1 = lab.attach(c1, "c1");
  auto r2 = lab.attach(c2, "c2");
  Server s1(c1.name, "c1", "80");
  Server s2(c2.name, "c2", "80");
  const auto m = json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}});
  REQUIRE(portmap(lab, "ADD", "c1", c1, Lab::portmap_conf(r1, m)).rc == 0);
  REQUIRE(portmap(lab, "ADD", "c2", c2, Lab::portmap_conf(r2, m)).rc == 0);
  CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "c1");
  REQUIRE(portmap(lab, "DEL", "c1", c1, Lab::portmap_conf(nullptr, m)).rc == 0);
  CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "c2");
  CHECK(who(tcp_from(lab.outside.name, kHostV6, 8080)) == "c2");
}

TEST_CASE("portmap iptables backend: outside, host, localhost and a sibling reach the container", "[portmap]") {
  Lab lab;
  test::TestNetns c1("pc"), c2("pc");
  auto r1 = lab.attach(c1, "c1");
  lab.attach(c2, "c2");
  Server s1(c1.name, "c1", "80", "53");
  auto conf = Lab::portmap_conf(r1, mappings_8080_5353());
  conf["backend"] = "iptables";
  auto add = portmap(lab, "ADD", "c1", c1, conf);
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  CHECK(lab.iptables_nat().find("CNI-HOSTPORT-DNAT") != std::string::npos);
  CHECK(lab.ruleset().find("cnipp_hostport") == std::string::npos);  // nothing in our nftables table
  CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "c1");
  CHECK(who(udp_from(lab.outside.name, kHostV4, 5353)) == "c1");
  CHECK(who(tcp_from(lab.outside.name, kHostV6, 8080)) == "c1");
  CHECK(who(tcp_from(lab.host.name, "127.0.0.1", 8080)) == "c1");
  CHECK(who(tcp_from(c2.name, kHostV4, 8080)) == "c1");
  REQUIRE(portmap(lab, "DEL", "c1", c1, conf).rc == 0);
  CHECK(lab.iptables_nat().find("CNI-DN-") == std::string::npos);
  CHECK(tcp_from(lab.outside.name, kHostV4, 8080, 0.5) == "");
}
