// The CNI protocol for every plugin of issue 13 through its binary: VERSION, the spec's error
// codes for a bad environment, bad JSON, an unknown version, verbs a version does not have,
// and STATUS/GC passed to IPAM.
#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {
const char* const kPlugins[] = {"loopback", "static", "macvlan", "ptp", "host-device", "vlan", "dummy", "tap"};

json conf_for(const std::string& plugin, const std::string& version) {
  json j{{"cniVersion", version}, {"name", "pnet"}, {"type", plugin}, {"master", "eth0"}, {"device", "eth0"}};
  if (plugin != "loopback") j["ipam"] = {{"type", "static"}, {"addresses", json::array({{{"address", "10.9.0.2/24"}}})}};
  return j;
}
test::RunResult run(const std::string& plugin, const std::string& cmd, const std::string& stdin_data,
                    const std::string& netns = "/var/run/netns/none") {
  return test::run(test::ours(plugin), test::cni_env(cmd, "c1", netns), stdin_data);
}
}  // namespace

TEST_CASE("plugins: VERSION lists 0.1.0 to 1.1.0, for every plugin", "[protocol]") {
  for (const char* p : kPlugins) {
    INFO(p);
    auto r = run(p, "VERSION", "{}");
    REQUIRE(r.rc == 0);
    CHECK(r.json()["supportedVersions"] ==
          json::array({"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}));
  }
}

TEST_CASE("plugins: the spec's error codes, before anything is touched", "[protocol]") {
  for (const char* p : kPlugins) {
    INFO(p);
    CHECK(run(p, "ADD", "{not json").json()["code"] == 6);
    CHECK(run(p, "ADD", conf_for(p, "9.9.9").dump()).json()["code"] == 1);
    CHECK(run(p, "CHECK", conf_for(p, "0.3.1").dump()).json()["code"] == 1);  // CHECK came with 0.4.0
    CHECK(run(p, "GC", conf_for(p, "1.0.0").dump()).json()["code"] == 1);     // GC with 1.1.0
    auto env = test::cni_env("ADD", "c1", "/var/run/netns/none");
    env.erase("CNI_IFNAME");
    CHECK(test::run(test::ours(p), env, conf_for(p, "1.0.0").dump()).json()["code"] == 4);
  }
}

TEST_CASE("plugins: STATUS and GC go to IPAM, whose failure is theirs", "[protocol]") {
  for (const char* p : {"macvlan", "ptp", "host-device", "vlan", "dummy", "tap"}) {
    INFO(p);
    auto good = conf_for(p, "1.1.0");
    CHECK(run(p, "STATUS", good.dump(), "").rc == 0);
    CHECK(run(p, "GC", good.dump(), "").rc == 0);
    auto bad = good;
    bad["ipam"]["type"] = "no-such-ipam";
    auto r = run(p, "STATUS", bad.dump(), "");
    CHECK(r.rc != 0);
    CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("no-such-ipam"));
  }
  CHECK(run("loopback", "STATUS", conf_for("loopback", "1.1.0").dump(), "").rc == 0);
}
