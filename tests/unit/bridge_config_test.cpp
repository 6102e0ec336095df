// The bridge plugin's config decoding: defaults, every key, and every refusal (code 7
// before anything is created).
#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "config.hpp"

using nlohmann::json;

namespace {

json base() { return {{"cniVersion", "1.0.0"}, {"name", "net1"}, {"type", "bridge"}}; }

bridge::BridgeConfig parse(const json& j, const std::string& args = "") {
  return bridge::parse_config(cni::NetConf::parse(j.dump()), args);
}

int code_of(const json& j, const std::string& args = "") {
  try {
    parse(j, args);
  } catch (const cni::Error& e) {
    return e.code();
  }
  return 0;
}

std::string msg_of(const json& j) {
  try {
    parse(j);
  } catch (const cni::Error& e) {
    return e.msg();
  }
  return "";
}

}  // namespace

TEST_CASE("bridge config: defaults match the reference", "[bridge]") {
  auto c = parse(base());
  CHECK(c.bridge == "cni0");
  CHECK_FALSE(c.is_gateway);
  CHECK_FALSE(c.ip_masq);
  CHECK(c.masq_backend == bridge::MasqBackend::kNftables);
  CHECK(c.mtu == 0);
  CHECK(c.vlan == 0);
  CHECK(c.trunk.empty());
  CHECK(c.preserve_default_vlan);
  CHECK(c.l2_only());
  CHECK(c.mac.empty());
  CHECK_FALSE(c.dns.has_value());
  CHECK(c.network == "net1");
}

TEST_CASE("bridge config: every key is read", "[bridge]") {
  auto j = base();
  j["bridge"] = "br-x";
  j["isDefaultGateway"] = true;
  j["forceAddress"] = true;
  j["ipMasq"] = true;
  j["ipMasqBackend"] = "iptables";
  j["mtu"] = 1400;
  j["hairpinMode"] = true;
  j["vlan"] = 100;
  j["preserveDefaultVlan"] = false;
  j["macspoofchk"] = true;
  j["enabledad"] = true;
  j["portIsolation"] = true;
  j["ipam"] = {{"type", "host-local"}};
  j["dns"] = {{"nameservers", {"10.0.0.53"}}};
  auto c = parse(j);
  CHECK(c.bridge == "br-x");
  CHECK(c.is_default_gateway);
  CHECK(c.is_gateway);  // implied
  CHECK(c.force_address);
  CHECK(c.ip_masq);
  CHECK(c.masq_backend == bridge::MasqBackend::kIptables);
  CHECK(c.mtu == 1400);
  CHECK(c.hairpin);
  CHECK(c.vlan == 100);
  CHECK(c.vlan_filtering());
  CHECK_FALSE(c.preserve_default_vlan);
  CHECK(c.macspoofchk);
  CHECK(c.enable_dad);
  CHECK(c.port_isolation);
  CHECK(c.ipam_type == "host-local");
  REQUIRE(c.dns.has_value());
  CHECK(c.dns->nameservers == std::vector<std::string>{"10.0.0.53"});
}

TEST_CASE("bridge config: vlanTrunk collects sorted unique IDs", "[bridge]") {
  auto j = base();
  j["vlanTrunk"] = json::array({{{"id", 42}}, {{"minID", 10}, {"maxID", 12}}, {{"id", 11}}});
  auto c = parse(j);
  CHECK(c.trunk == std::vector<int>{10, 11, 12, 42});
  CHECK(c.vlan_filtering());
}

TEST_CASE("bridge config: invalid values are code 7", "[bridge]") {
  auto with = [](const char* key, json v) {
    auto j = base();
    j[key] = std::move(v);
    return j;
  };
  CHECK(code_of(with("vlan", 4095)) == 7);
  CHECK(code_of(with("vlan", -1)) == 7);
  CHECK(msg_of(with("vlan", 5000)).find("invalid VLAN ID 5000") != std::string::npos);
  CHECK(code_of(with("vlan", "10")) == 7);
  CHECK(code_of(with("mtu", 70000)) == 7);
  CHECK(code_of(with("mtu", -5)) == 7);
  CHECK(code_of(with("mtu", 20)) == 7);
  CHECK(code_of(with("mtu", 1500.5)) == 7);
  CHECK(code_of(with("isGateway", "yes")) == 7);
  CHECK(code_of(with("ipMasqBackend", "pf")) == 7);
  CHECK(code_of(with("bridge", "this-name-is-too-long")) == 7);
  CHECK(code_of(with("bridge", "a/b")) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({{{"id", 0}}}))) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({{{"id", 4095}}}))) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({{{"minID", 10}}}))) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({{{"maxID", 10}}}))) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({{{"minID", 20}, {"maxID", 10}}}))) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({{{"minID", 1}, {"maxID", 5000}}}))) == 7);
  CHECK(code_of(with("vlanTrunk", json::object())) == 7);
  CHECK(code_of(with("vlanTrunk", json::array({5}))) == 7);
}

TEST_CASE("bridge config: conflicting keys are refused", "[bridge]") {
  auto j = base();
  j["hairpinMode"] = true;
  j["promiscMode"] = true;
  CHECK(code_of(j) == 7);
  CHECK(msg_of(j) == "cannot set hairpin mode and promiscuous mode at the same time");

  j = base();
  j["vlan"] = 10;
  j["vlanTrunk"] = json::array({{{"id", 20}}});
  CHECK(msg_of(j) == "cannot set vlan and vlanTrunk at the same time");

  j = base();
  j["disableContainerInterface"] = true;
  j["ipam"] = {{"type", "host-local"}};
  CHECK(code_of(j) == 7);
  j["ipam"] = json::object();
  CHECK(parse(j).disable_container_interface);
}

TEST_CASE("bridge config: container MAC, later sources win", "[bridge]") {
  auto j = base();
  CHECK(parse(j, "MAC=0a:00:00:00:00:01").mac == "0a:00:00:00:00:01");
  CHECK(parse(j, "IgnoreUnknown=1;K8S_POD_NAME=x;MAC=0A-00-00-00-00-0F").mac == "0a:00:00:00:00:0f");
  j["args"] = {{"cni", {{"mac", "0a:00:00:00:00:02"}}}};
  CHECK(parse(j, "MAC=0a:00:00:00:00:01").mac == "0a:00:00:00:00:02");
  j["runtimeConfig"] = {{"mac", "0a:00:00:00:00:03"}};
  CHECK(parse(j, "MAC=0a:00:00:00:00:01").mac == "0a:00:00:00:00:03");

  auto bad = base();
  bad["runtimeConfig"] = {{"mac", "not-a-mac"}};
  CHECK(code_of(bad) == 7);
  bad["runtimeConfig"] = {{"mac", "01:00:5e:00:00:01"}};  // multicast
  CHECK(code_of(bad) == 7);
  CHECK(code_of(base(), "MAC=zz") == 7);
  CHECK(code_of(base(), "FOO=1") == 4);  // unknown CNI_ARGS key, as the reference
}

TEST_CASE("bridge config: an L2-only result needs version 0.3.0 or newer", "[bridge]") {
  auto j = base();
  j["cniVersion"] = "0.2.0";
  j["ipam"] = json::object();
  auto c = parse(j);
  CHECK_THROWS_AS(bridge::check_add_preconditions(c), cni::Error);
  j["ipam"] = {{"type", "host-local"}};
  CHECK_NOTHROW(bridge::check_add_preconditions(parse(j)));
  j["cniVersion"] = "0.3.1";
  j["ipam"] = json::object();
  CHECK_NOTHROW(bridge::check_add_preconditions(parse(j)));
}

TEST_CASE("bridge config: canonical_mac", "[bridge]") {
  CHECK(bridge::canonical_mac("AA:bb:CC:dd:EE:ff") == "aa:bb:cc:dd:ee:ff");
  CHECK_FALSE(bridge::canonical_mac("aa:bb:cc:dd:ee").has_value());
  CHECK_FALSE(bridge::canonical_mac("aa:bb-cc:dd:ee:ff").has_value());
  CHECK_FALSE(bridge::canonical_mac("aa:bb:cc:dd:ee:fg").has_value());
}
