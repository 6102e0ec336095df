// The macvlan plugin's config: defaults, every key, the MAC sources' precedence, refusals.
#include <linux/if_link.h>

#include <catch2/catch.hpp>

#include "../../plugins/macvlan/config.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {
json base() { return {{"cniVersion", "1.0.0"}, {"name", "mnet"}, {"type", "macvlan"}}; }
macvlan::MacvlanConfig parse(const json& j, const std::string& args = "") {
  return macvlan::parse_config(cni::NetConf::parse(j.dump()), args);
}
int code_of(const json& j, const std::string& args = "") {
  return test::error_code([&] { parse(j, args); });
}
json with(const char* key, const json& v) {
  auto j = base();
  j[key] = v;
  return j;
}
}  // namespace

TEST_CASE("macvlan config: defaults and every key", "[macvlan]") {
  auto c = parse(base());
  CHECK(c.master.empty());
  CHECK(c.mode == MACVLAN_MODE_BRIDGE);
  CHECK(c.mtu == 0);
  CHECK(c.mac.empty());
  CHECK_FALSE(c.link_in_container);
  CHECK(c.ipam_type.empty());
  auto j = base();
  j["master"] = "eth1";
  j["mode"] = "vepa";
  j["mtu"] = 1400;
  j["linkInContainer"] = true;
  j["ipam"] = {{"type", "static"}};
  c = parse(j);
  CHECK(c.master == "eth1");
  CHECK(c.mode == MACVLAN_MODE_VEPA);
  CHECK(c.mtu == 1400);
  CHECK(c.link_in_container);
  CHECK(c.ipam_type == "static");
  const std::pair<const char*, int> modes[] = {{"bridge", MACVLAN_MODE_BRIDGE}, {"private", MACVLAN_MODE_PRIVATE},
                                               {"vepa", MACVLAN_MODE_VEPA}, {"passthru", MACVLAN_MODE_PASSTHRU},
                                               {"source", MACVLAN_MODE_SOURCE}, {"", MACVLAN_MODE_BRIDGE}};
  for (const auto& [name, mode] : modes) CHECK(parse(with("mode", name)).mode == mode);
}

TEST_CASE("macvlan config: MAC from the config, then CNI_ARGS, then runtimeConfig", "[macvlan]") {
  auto j = with("mac", "02:00:00:00:00:01");
  CHECK(parse(j).mac == "02:00:00:00:00:01");
  CHECK(parse(j, "MAC=02-00-00-00-00-0A").mac == "02:00:00:00:00:0a");
  j["runtimeConfig"] = {{"mac", "02:00:00:00:00:0b"}};
  CHECK(parse(j, "MAC=02:00:00:00:00:0a").mac == "02:00:00:00:00:0b");
  CHECK(code_of(base(), "IP=10.1.1.1") == 4);  // an unknown CNI_ARGS key, as the reference
  CHECK(code_of(base(), "IgnoreUnknown=1;IP=10.1.1.1") == 0);
}

TEST_CASE("macvlan config: refusals are code 7", "[macvlan]") {
  CHECK(code_of(with("mode", "passthrough")) == 7);  // the reference's name is passthru (plugins#178)
  CHECK(code_of(with("mtu", -1)) == 7);
  CHECK(code_of(with("mtu", 20)) == 7);
  CHECK(code_of(with("mtu", "1500")) == 7);
  CHECK(code_of(with("master", "a/b")) == 7);
  CHECK(code_of(with("master", "sixteen-chars-xx")) == 7);
  CHECK(code_of(with("mac", "01:00:5e:00:00:01")) == 7);  // multicast
  CHECK(code_of(with("mac", "zz:00:00:00:00:01")) == 7);
  CHECK(code_of(with("linkInContainer", "yes")) == 7);
}
