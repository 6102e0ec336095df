// Smoke test of the kernel-VM tier: the devices the ipvlan plugin and its tests depend on
// (dummy parent, 802.1Q vlan, ipvlan in l2 mode) can be created in a test namespace.
// ctest runs this file through uml-run, so it runs natively where the kernel has these
// devices and in user-mode-linux where it does not.
#include <sys/utsname.h>

#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace {

// `ip -n` rather than `ip netns exec`: one process less per call, which counts in UML
// (~50 ms per exec).
std::string ip(const test::TestNetns& ns, const std::string& args, int* rc) {
  return test::sh("ip -n " + ns.name + " " + args + " 2>&1", rc);
}

// One link as the kernel reports it with details (`ip -d -j link show`).
nlohmann::json link_details(const test::TestNetns& ns, const std::string& ifname) {
  int rc = -1;
  std::string out = ip(ns, "-d -j link show dev " + ifname, &rc);
  INFO("ip link show " << ifname << ": " << out);
  REQUIRE(rc == 0);
  auto links = nlohmann::json::parse(out);
  REQUIRE(links.size() == 1);
  return links[0];
}

void must(const test::TestNetns& ns, const std::string& args) {
  int rc = -1;
  std::string out = ip(ns, args, &rc);
  INFO("ip " << args << ": " << out);
  REQUIRE(rc == 0);
}

}  // namespace

TEST_CASE("dummy, 802.1Q vlan and l2 ipvlan can be created in a netns", "[kernel-vm][smoke]") {
  utsname uts{};
  uname(&uts);
  INFO("kernel " << uts.release << (std::getenv("CNIPP_IN_UML") ? " (UML)" : " (native)"));
  test::TestNetns ns("vm");
  must(ns, "link add parent0 type dummy");
  must(ns, "link add link parent0 name parent0.42 type vlan id 42");
  must(ns, "link add link parent0 name ipvl0 type ipvlan mode l2");
  must(ns, "link set parent0 up");
  must(ns, "link set ipvl0 up");

  auto dummy = link_details(ns, "parent0");
  CHECK(dummy["linkinfo"]["info_kind"] == "dummy");

  auto vlan = link_details(ns, "parent0.42");
  CHECK(vlan["linkinfo"]["info_kind"] == "vlan");
  CHECK(vlan["linkinfo"]["info_data"]["protocol"] == "802.1Q");
  CHECK(vlan["linkinfo"]["info_data"]["id"] == 42);
  CHECK(vlan["link"] == "parent0");

  auto ipvlan = link_details(ns, "ipvl0");
  CHECK(ipvlan["linkinfo"]["info_kind"] == "ipvlan");
  CHECK(ipvlan["linkinfo"]["info_data"]["mode"] == "l2");
  CHECK(ipvlan["link"] == "parent0");
  // An ipvlan shares its parent's MAC: the defining property the plugin relies on.
  CHECK(ipvlan["address"] == dummy["address"]);
}
