// loopback: lo up in a fresh namespace, the result in every spec version, CHECK, DEL.
#include <catch2/catch.hpp>

#include "plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {
json conf(const std::string& version) {
  json j{{"name", "lonet"}, {"type", "loopback"}};
  if (!version.empty()) j["cniVersion"] = version;
  return j;
}
bool lo_up(const test::TestNetns& ns) {
  auto flags = Lab::link(ns, "lo")["flags"];
  return std::find(flags.begin(), flags.end(), "UP") != flags.end();
}
}  // namespace

TEST_CASE("loopback: a fresh namespace gets lo up with 127.0.0.1/8 and ::1, then CHECK and DEL", "[loopback]") {
  Lab lab;
  test::TestNetns c("lc");
  c.exec("ip link set lo down");
  REQUIRE_FALSE(lo_up(c));
  // CNI_IFNAME is ignored: the link is always lo.
  auto r = lab.call(test::ours("loopback"), "ADD", "c1", c.path(), conf("1.0.0"), "eth7");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(lo_up(c));
  CHECK(Lab::has_addr(c, "lo", "127.0.0.1", 8));
  auto j = r.json();
  CHECK(j["interfaces"] == json::array({{{"name", "lo"}, {"mac", "00:00:00:00:00:00"}, {"sandbox", c.path()}}}));
  CHECK(j["ips"] == json::array({{{"interface", 0}, {"address", "127.0.0.1/8"}}, {{"interface", 0}, {"address", "::1/128"}}}));
  CHECK(lab.call(test::ours("loopback"), "CHECK", "c1", c.path(), conf("1.0.0")).rc == 0);

  REQUIRE(lab.call(test::ours("loopback"), "DEL", "c1", c.path(), conf("1.0.0")).rc == 0);
  CHECK_FALSE(lo_up(c));
  auto chk = lab.call(test::ours("loopback"), "CHECK", "c1", c.path(), conf("1.0.0"));
  CHECK(chk.rc != 0);
  CHECK(chk.json()["msg"] == "loopback interface is down");
  CHECK(lab.call(test::ours("loopback"), "DEL", "c1", c.path(), conf("1.0.0")).rc == 0);  // idempotent
  CHECK(lab.call(test::ours("loopback"), "DEL", "c1", "", conf("1.0.0")).rc == 0);
  CHECK(lab.call(test::ours("loopback"), "DEL", "c1", "/var/run/netns/gone-lo", conf("1.0.0")).rc == 0);
}

TEST_CASE("loopback: the result in 0.1.0/0.2.0 form, and a prevResult passed through", "[loopback]") {
  Lab lab;
  test::TestNetns c("lc");
  for (const char* v : {"", "0.2.0"}) {
    auto r = lab.call(test::ours("loopback"), "ADD", "c1", c.path(), conf(v));
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    auto j = r.json();
    CHECK(j["ip4"] == json{{"ip", "127.0.0.1/8"}});
    CHECK(j["ip6"] == json{{"ip", "::1/128"}});
    CHECK_FALSE(j.contains("interfaces"));
  }
  auto chained = conf("1.0.0");
  chained["prevResult"] = {{"cniVersion", "1.0.0"},
                           {"interfaces", json::array({{{"name", "eth0"}, {"sandbox", c.path()}}})},
                           {"ips", json::array({{{"address", "10.9.9.9/24"}, {"interface", 0}}})}};
  auto r = lab.call(test::ours("loopback"), "ADD", "c1", c.path(), chained);
  REQUIRE(r.rc == 0);
  CHECK(r.json()["ips"][0]["address"] == "10.9.9.9/24");
  CHECK(r.json()["interfaces"][0]["name"] == "eth0");
}

TEST_CASE("loopback: lo carrying a non-loopback address is refused", "[loopback]") {
  Lab lab;
  test::TestNetns c("lc");
  c.exec("ip addr add 10.66.0.1/24 dev lo");
  auto r = lab.call(test::ours("loopback"), "ADD", "c1", c.path(), conf("1.0.0"));
  CHECK(r.rc != 0);
  CHECK(r.json()["msg"] == "loopback interface found with non-loopback address");
}
