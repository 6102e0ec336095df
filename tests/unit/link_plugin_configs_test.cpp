// The vlan and tap plugins' configs: every key and every refusal (code 7) before anything
// is created.
#include <catch2/catch.hpp>

#include "../../plugins/tap/config.hpp"
#include "../../plugins/vlan/config.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {
json vlan_base() { return {{"cniVersion", "1.0.0"}, {"name", "vnet"}, {"type", "vlan"}, {"master", "eth0"}, {"vlanId", 100}}; }
vlan::VlanConfig parse_vlan(const json& j) { return vlan::parse_config(cni::NetConf::parse(j.dump())); }
json tap_base() { return {{"cniVersion", "1.0.0"}, {"name", "tnet"}, {"type", "tap"}}; }
tap::TapConfig parse_tap(const json& j, const std::string& args = "") {
  return tap::parse_config(cni::NetConf::parse(j.dump()), args);
}
}  // namespace

TEST_CASE("vlan config: master required, VLAN ID 0-4094, MTU", "[vlan]") {
  auto c = parse_vlan(vlan_base());
  CHECK(c.master == "eth0");
  CHECK(c.vlan_id == 100);
  CHECK(c.mtu == 0);
  CHECK_FALSE(c.link_in_container);
  auto j = vlan_base();
  j["mtu"] = 1496;
  j["linkInContainer"] = true;
  c = parse_vlan(j);
  CHECK(c.mtu == 1496);
  CHECK(c.link_in_container);
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"vlanId", 4095}, {"vlanId", -1}, {"vlanId", "100"}, {"mtu", 10}, {"master", ""}, {"master", "a:b"}}) {
    INFO(key << "=" << value);
    j = vlan_base();
    j[key] = value;
    CHECK(test::error_code([&] { parse_vlan(j); }) == 7);
  }
  j = vlan_base();
  j.erase("master");
  CHECK(test::error_code([&] { parse_vlan(j); }) == 7);
  j = vlan_base();
  j["vlanId"] = 4094;
  CHECK(parse_vlan(j).vlan_id == 4094);
}

TEST_CASE("tap config: every key, MAC sources, refusals", "[tap]") {
  auto c = parse_tap(tap_base());
  CHECK(c.mac.empty());
  CHECK_FALSE(c.tap.multi_queue);
  CHECK_FALSE(c.tap.owner);
  CHECK_FALSE(c.tap.group);
  auto j = tap_base();
  j["mac"] = "02:00:00:00:00:01";
  j["mtu"] = 9000;
  j["multiQueue"] = true;
  j["owner"] = 1000;
  j["group"] = 0;
  j["bridge"] = "br0";
  j["selinuxContext"] = "system_u:system_r:container_t:s0";
  c = parse_tap(j);
  CHECK(c.mac == "02:00:00:00:00:01");
  CHECK(c.mtu == 9000);
  CHECK(c.tap.multi_queue);
  CHECK(c.tap.owner == 1000u);
  CHECK(c.tap.group == 0u);
  CHECK(c.bridge == "br0");
  CHECK(c.selinux_context == "system_u:system_r:container_t:s0");
  CHECK(parse_tap(j, "MAC=02:00:00:00:00:02").mac == "02:00:00:00:00:02");
  j["runtimeConfig"] = {{"mac", "02:00:00:00:00:03"}};
  CHECK(parse_tap(j, "MAC=02:00:00:00:00:02").mac == "02:00:00:00:00:03");
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"mtu", 65522}, {"owner", -1}, {"owner", 4294967296LL}, {"group", "wheel"}, {"bridge", "x/y"}, {"mac", "ff:ff:ff:ff:ff:ff"}}) {
    INFO(key << "=" << value);
    j = tap_base();
    j[key] = value;
    CHECK(test::error_code([&] { parse_tap(j); }) == 7);
  }
}
