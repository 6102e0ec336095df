// sbr through the CNI protocol, chained after our bridge (dual stack) in test namespaces:
// the rules and tables it makes, CHECK, DEL in every state the container can be in, the
// "table" key, and bad input.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;

namespace {

json sbr_conf(const Lab& lab, const json& prev, json extra = json::object()) {
  json c{{"type", "sbr"}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return lab.chained(c, prev);
}

}  // namespace

TEST_CASE("sbr: a table per address, the interface's routes moved there, CHECK, DEL", "[sbr]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "s1", true);
  const auto v4 = meta_test::addr(prev, 4), v6 = meta_test::addr(prev, 6);
  auto conf = sbr_conf(lab, prev);
  auto r = lab.run(test::ours("sbr"), "ADD", "s1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(r.json() == prev);

  CHECK_THAT(c.exec("ip -4 rule"), Catch::Contains("from " + v4 + " lookup 100"));
  CHECK_THAT(c.exec("ip -6 rule"), Catch::Contains("from " + v6 + " lookup 101"));
  auto t100 = c.exec("ip -4 route show table 100");
  CHECK_THAT(t100, Catch::Contains("default via " + meta_test::kGatewayV4 + " dev eth0"));
  CHECK_THAT(t100, Catch::Contains("10.250.0.0/24 dev eth0 proto kernel scope link src " + v4));
  CHECK_THAT(c.exec("ip -6 route show table 101"), Catch::Contains("default via " + meta_test::kGatewayV6 + " dev eth0"));
  // Nothing of eth0's is left in the main table: traffic goes by source.
  CHECK_THAT(c.exec("ip route show table main"), !Catch::Contains("eth0"));
  CHECK_THAT(c.exec("ip -6 route show table main"), !Catch::Contains("eth0"));
  // And it still flows: the gateway answers from the container's address.
  int rc = -1;
  c.exec("ping -c1 -W2 -I " + v4 + " " + meta_test::kGatewayV4 + " >/dev/null", &rc);
  CHECK(rc == 0);

  CHECK(lab.run(test::ours("sbr"), "CHECK", "s1", c.path(), conf).rc == 0);
  c.exec("ip rule del from " + v4 + " lookup 100");
  CHECK(lab.run(test::ours("sbr"), "CHECK", "s1", c.path(), conf).rc != 0);

  r = lab.run(test::ours("sbr"), "DEL", "s1", c.path(), conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK_THAT(c.exec("ip -6 rule"), !Catch::Contains(v6));
  CHECK(lab.run(test::ours("sbr"), "DEL", "s1", c.path(), conf).rc == 0);
}

TEST_CASE("sbr: a second interface gets the next free tables", "[sbr]") {
  Lab lab;
  test::TestNetns c("mc");
  auto p0 = lab.attach(c, "s2", false, "eth0");
  REQUIRE(lab.run(test::ours("sbr"), "ADD", "s2", c.path(), sbr_conf(lab, p0)).rc == 0);
  auto p1 = lab.attach(c, "s2", false, "eth1");
  auto r = lab.run(test::ours("sbr"), "ADD", "s2", c.path(), sbr_conf(lab, p1), "eth1");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK_THAT(c.exec("ip -4 rule"), Catch::Contains("from " + meta_test::addr(p1, 4) + " lookup 101"));
  CHECK_THAT(c.exec("ip route show table 101"), Catch::Contains("dev eth1"));
}

TEST_CASE("sbr: with \"table\", only rules into that table", "[sbr]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "s3");
  auto conf = sbr_conf(lab, prev, {{"table", 500}});
  const auto main_before = c.exec("ip route show table main");
  REQUIRE(lab.run(test::ours("sbr"), "ADD", "s3", c.path(), conf).rc == 0);
  CHECK_THAT(c.exec("ip rule"), Catch::Contains("from " + meta_test::addr(prev, 4) + " lookup 500"));
  CHECK(c.exec("ip route show table main") == main_before);
  REQUIRE(lab.run(test::ours("sbr"), "DEL", "s3", c.path(), conf).rc == 0);
  CHECK_THAT(c.exec("ip rule"), !Catch::Contains("lookup 500"));
  for (int bad : {254, 0})
    CHECK(lab.run(test::ours("sbr"), "ADD", "s3", c.path(), sbr_conf(lab, prev, {{"table", bad}})).rc != 0);
}

TEST_CASE("sbr: DEL after the interface or the whole container is gone succeeds and creates nothing", "[sbr]") {
  Lab lab;
  auto c = std::make_unique<test::TestNetns>("mc");
  auto prev = lab.attach(*c, "s4");
  auto conf = sbr_conf(lab, prev);
  REQUIRE(lab.run(test::ours("sbr"), "ADD", "s4", c->path(), conf).rc == 0);
  c->exec("ip link del eth0");
  CHECK(lab.run(test::ours("sbr"), "DEL", "s4", c->path(), conf).rc == 0);
  const auto path = c->path();
  c.reset();
  auto r = lab.run(test::ours("sbr"), "DEL", "s4", path, conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  struct stat st;
  CHECK(stat(path.c_str(), &st) != 0);  // no lock file left where the netns was
}

TEST_CASE("sbr: no prevResult or no address on the interface is refused, nothing changed", "[sbr]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "s5");
  const auto rules = c.exec("ip rule");
  auto r = lab.run(test::ours("sbr"), "ADD", "s5", c.path(), sbr_conf(lab, json()));
  CHECK(r.rc != 0);
  CHECK_THAT(r.out, Catch::Contains("must be called as chained plugin"));
  r = lab.run(test::ours("sbr"), "ADD", "s5", c.path(), sbr_conf(lab, prev), "eth9");
  CHECK(r.rc != 0);
  CHECK_THAT(r.out, Catch::Contains("No IP addresses supplied on interface: eth9"));
  CHECK(c.exec("ip rule") == rules);
  // A gateway the kernel cannot reach fails the ADD after its rule was added: taken back.
  const auto main_before = c.exec("ip route show table main");
  auto unreachable = prev;
  unreachable["ips"][0]["gateway"] = "10.99.99.1";
  r = lab.run(test::ours("sbr"), "ADD", "s5", c.path(), sbr_conf(lab, unreachable));
  INFO(r.out << r.err);
  CHECK(r.rc != 0);
  CHECK(c.exec("ip rule") == rules);
  CHECK(c.exec("ip route show table 100").empty());
  CHECK(c.exec("ip route show table main") == main_before);
}
