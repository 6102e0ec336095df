// host-device against the reference (/usr/lib/cni/host-device, v1.1.1): the same result and
// container state; a device moved by one and brought back by the other (both keep the host
// name in the link's alias); and the reference bugs we fix, shown on the reference: its DEL
// leaves the device down and without its addresses (plugins#754), and fails once the
// container's netns is gone.
#include <catch2/catch.hpp>

#include "../integration/plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

struct DevLab : Lab {
  std::string dev = test::unique_name("hd");
  DevLab() {
    add_master(dev);
    REQUIRE(host_sh("ip addr add 10.229.0.5/24 dev " + dev));
  }
  json conf() const {
    return {{"cniVersion", "1.0.0"}, {"name", "hdi"}, {"type", "host-device"}, {"device", dev},
            {"dataDir", data.path + "/hd"},
            {"ipam", {{"type", "static"}, {"addresses", json::array({{{"address", "10.230.0.2/24"}, {"gateway", "10.230.0.1"}}})},
                      {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}};
  }
  bool back_up_with_address() const {
    auto l = host_link(dev);
    if (l.is_null()) return false;
    auto flags = l["flags"];
    return std::find(flags.begin(), flags.end(), "UP") != flags.end() && has_addr(host, dev, "10.229.0.5", 24);
  }
};

}  // namespace

TEST_CASE("host-device interop: the reference's result and container state", "[host-device]") {
  json results[2];
  std::string state[2];
  for (int i = 0; i < 2; ++i) {
    DevLab lab;
    test::TestNetns c("hi");
    const auto binary = i == 0 ? test::reference("host-device") : test::ours("host-device");
    const auto mac = lab.host_link(lab.dev)["address"];
    auto r = lab.call(binary, "ADD", "c1", c.path(), lab.conf());
    INFO(binary << ": " << r.out << r.err);
    REQUIRE(r.rc == 0);
    results[i] = r.json();
    CHECK(results[i]["interfaces"][0]["mac"] == mac);  // the device's own
    results[i]["interfaces"][0].erase("mac");
    results[i]["interfaces"][0].erase("sandbox");
    if (results[i].contains("dns") && results[i]["dns"].empty()) results[i].erase("dns");
    state[i] = c.exec("ip -o addr show dev eth0 scope global | awk '{print $4}'; ip route; ip -d link show eth0 | grep -o 'alias .*'");
    CHECK(lab.call(binary, "DEL", "c1", c.path(), lab.conf()).rc == 0);
    CHECK_FALSE(lab.host_link(lab.dev).is_null());
  }
  CHECK(results[1] == results[0]);
  CHECK(state[1] == state[0]);
}

TEST_CASE("host-device interop: moved by one, brought back by the other", "[host-device]") {
  const std::pair<std::string, std::string> pairs[] = {{test::reference("host-device"), test::ours("host-device")},
                                                       {test::ours("host-device"), test::reference("host-device")}};
  for (const auto& [adder, deleter] : pairs) {
    DevLab lab;
    test::TestNetns c("hi");
    auto r = lab.call(adder, "ADD", "c1", c.path(), lab.conf());
    INFO(adder << " -> " << deleter << ": " << r.out << r.err);
    REQUIRE(r.rc == 0);
    auto chk = lab.conf();
    chk["prevResult"] = r.json();
    CHECK(lab.call(deleter, "CHECK", "c1", c.path(), chk).rc == 0);
    auto d = lab.call(deleter, "DEL", "c1", c.path(), lab.conf());
    INFO(d.out << d.err);
    CHECK(d.rc == 0);
    CHECK(Lab::link(c, "eth0").is_null());
    CHECK_FALSE(lab.host_link(lab.dev).is_null());
  }
}

TEST_CASE("host-device interop: DEL gives the device back up with its address (the reference leaves it bare)",
          "[host-device]") {
  for (bool reference : {true, false}) {
    DevLab lab;
    test::TestNetns c("hi");
    const auto binary = reference ? test::reference("host-device") : test::ours("host-device");
    REQUIRE(lab.call(binary, "ADD", "c1", c.path(), lab.conf()).rc == 0);
    REQUIRE(lab.call(binary, "DEL", "c1", c.path(), lab.conf()).rc == 0);
    INFO((reference ? "reference" : "ours"));
    CHECK(lab.back_up_with_address() != reference);
  }
}

TEST_CASE("host-device interop: DEL after the netns is gone succeeds (the reference's fails)", "[host-device]") {
  for (bool reference : {true, false}) {
    DevLab lab;
    std::string path;
    const auto binary = reference ? test::reference("host-device") : test::ours("host-device");
    {
      test::TestNetns c("hi");
      path = c.path();
      REQUIRE(lab.call(binary, "ADD", "c1", path, lab.conf()).rc == 0);
    }
    auto d = lab.call(binary, "DEL", "c1", path, lab.conf());
    INFO((reference ? "reference: " : "ours: ") << d.out);
    CHECK((d.rc == 0) != reference);
  }
}
