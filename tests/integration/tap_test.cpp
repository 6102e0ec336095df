// tap: a tap device made through /dev/net/tun in the container, with MAC, MTU, multi-queue,
// owner, group and a bridge; L2-only; CHECK; DEL; refusals that leave nothing.
#include <catch2/catch.hpp>

#include "plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {
json tap_conf(const Lab& lab, bool ipam = true) {
  json j{{"cniVersion", "1.0.0"}, {"name", "tapnet"}, {"type", "tap"}};
  if (ipam) j["ipam"] = lab.host_local({"10.228.0.0/24"});
  return j;
}
}  // namespace

TEST_CASE("tap: every key, then CHECK and DEL", "[tap]") {
  Lab lab;
  test::TestNetns c("tc");
  c.exec("ip link add br0 type bridge");
  auto conf = tap_conf(lab);
  conf["mac"] = "02:22:33:44:55:66";
  conf["mtu"] = 1400;
  conf["multiQueue"] = true;
  conf["owner"] = 1000;
  conf["group"] = 1001;
  conf["bridge"] = "br0";
  auto r = lab.call(test::ours("tap"), "ADD", "c1", c.path(), conf, "tap0");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto l = Lab::link(c, "tap0");
  REQUIRE_FALSE(l.is_null());
  const auto info = l["linkinfo"]["info_data"];
  CHECK(info["type"] == "tap");
  CHECK(info["multi_queue"] == true);
  CHECK(info["persist"] == true);
  CHECK(c.exec("cat /sys/class/net/tap0/owner /sys/class/net/tap0/group") == "1000\n1001\n");
  CHECK(l["address"] == "02:22:33:44:55:66");
  CHECK(l["mtu"] == 1400);
  CHECK(l["master"] == "br0");
  auto j = r.json();
  CHECK(j["interfaces"] == json::array({{{"name", "tap0"}, {"mac", "02:22:33:44:55:66"}, {"sandbox", c.path()}}}));
  CHECK(Lab::has_addr(c, "tap0", "10.228.0.2", 24));
  auto chk = conf;
  chk["prevResult"] = j;
  CHECK(lab.call(test::ours("tap"), "CHECK", "c1", c.path(), chk, "tap0").rc == 0);
  REQUIRE(lab.call(test::ours("tap"), "DEL", "c1", c.path(), conf, "tap0").rc == 0);
  CHECK(Lab::link(c, "tap0").is_null());
  CHECK(lab.leases("tapnet").empty());
  CHECK(lab.call(test::ours("tap"), "DEL", "c1", c.path(), conf, "tap0").rc == 0);
}

TEST_CASE("tap: L2-only, and refusals that leave nothing", "[tap]") {
  Lab lab;
  test::TestNetns c("tc");
  auto r = lab.call(test::ours("tap"), "ADD", "c1", c.path(), tap_conf(lab, false));
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK_FALSE(r.json().contains("ips"));
  CHECK(c.exec("cat /sys/class/net/eth0/owner /sys/class/net/eth0/group") == "-1\n-1\n");  // anyone may attach
  // The same name again: refused, never attached to the existing device.
  CHECK(lab.call(test::ours("tap"), "ADD", "c2", c.path(), tap_conf(lab, false)).json()["code"] == 4);
  REQUIRE(lab.call(test::ours("tap"), "DEL", "c1", c.path(), tap_conf(lab, false)).rc == 0);

  auto conf = tap_conf(lab);
  conf["bridge"] = "nobridge0";
  CHECK(lab.call(test::ours("tap"), "ADD", "c1", c.path(), conf).json()["code"] == 7);
  conf = tap_conf(lab);
  conf["ipam"] = {{"type", "static"}};
  r = lab.call(test::ours("tap"), "ADD", "c1", c.path(), conf);
  CHECK(r.rc != 0);
  CHECK(Lab::link(c, "eth0").is_null());
  auto old = tap_conf(lab, false);
  old["cniVersion"] = "0.2.0";  // cannot print an L2-only result
  CHECK(lab.call(test::ours("tap"), "ADD", "c1", c.path(), old).json()["code"] == 1);
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.leases("tapnet").empty());
}
