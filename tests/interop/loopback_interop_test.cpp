// loopback against the reference (/usr/lib/cni/loopback, v1.1.1): the same results and
// kernel state where the reference is right, and the two reference bugs we fix, each shown
// on the reference: with an explicit cniVersion below 1.0.0 it prints the 1.0.0 form under
// the old version's name (0.2.0 without ip4, 0.3.1 without the IPs' "version"), and its DEL
// on its own namespace takes the host's lo down (containernetworking/plugins#714).
#include <catch2/catch.hpp>

#include "../integration/plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {
json conf(const std::string& version) {
  json j{{"name", "lonet"}, {"type", "loopback"}};
  if (!version.empty()) j["cniVersion"] = version;
  return j;
}
json add(const Lab& lab, const std::string& binary, const std::string& version) {
  test::TestNetns c("li");
  c.exec("ip link set lo down");
  auto r = lab.call(binary, "ADD", "c1", c.path(), conf(version));
  INFO(binary << " " << version << ": " << r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(c.exec("ip -br link show lo").find("UNKNOWN") != std::string::npos);  // up (lo has no carrier state)
  auto j = r.json();
  if (j.contains("interfaces")) j["interfaces"][0].erase("sandbox");
  if (j.contains("dns") && j["dns"].empty()) j.erase("dns");  // v1.1.1 prints "dns": {}
  return j;
}
}  // namespace

TEST_CASE("loopback interop: the reference's results for 1.0.0 and no version", "[loopback]") {
  Lab lab;
  for (const char* v : {"", "1.0.0"}) {
    INFO("cniVersion " << v);
    CHECK(add(lab, test::ours("loopback"), v) == add(lab, test::reference("loopback"), v));
  }
}

TEST_CASE("loopback interop: 0.2.0 and 0.3.1 get their own result forms (the reference's are 1.0.0's)",
          "[loopback]") {
  Lab lab;
  auto ref = add(lab, test::reference("loopback"), "0.2.0");
  auto ours = add(lab, test::ours("loopback"), "0.2.0");
  CHECK_FALSE(ref.contains("ip4"));
  CHECK(ref.contains("interfaces"));
  CHECK(ours["ip4"] == json{{"ip", "127.0.0.1/8"}});
  CHECK_FALSE(ours.contains("interfaces"));
  ref = add(lab, test::reference("loopback"), "0.3.1");
  ours = add(lab, test::ours("loopback"), "0.3.1");
  CHECK_FALSE(ref["ips"][0].contains("version"));  // 0.3.x requires it
  CHECK(ours["ips"][0]["version"] == "4");
  CHECK(ours["ips"][1]["version"] == "6");
  ours["ips"][0].erase("version");
  ours["ips"][1].erase("version");
  CHECK(ours == ref);  // otherwise the same
}

TEST_CASE("loopback interop: DEL naming the plugin's own namespace leaves its lo up (the reference downs it)",
          "[loopback]") {
  for (bool reference : {true, false}) {
    Lab lab;  // the "host" whose namespace a stale CNI_NETNS points at
    auto r = lab.call(reference ? test::reference("loopback") : test::ours("loopback"), "DEL", "c1", lab.host.path(),
                      conf("1.0.0"));
    const bool up = lab.in_host("ip -br link show lo").find("UNKNOWN") != std::string::npos;
    INFO((reference ? "reference" : "ours") << ": " << r.out);
    if (reference) {
      CHECK(r.rc == 0);
      CHECK_FALSE(up);
    } else {
      CHECK(r.rc != 0);
      CHECK(r.json()["code"] == 8);
      CHECK(up);
    }
  }
}
