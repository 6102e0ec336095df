// bridge's VLAN keys need CONFIG_BRIDGE_VLAN_FILTERING, which the CI kernel lacks; the VM's
// kernel has it. Same fixture as the integration tests (the plugin runs in a host test ns).
#include <catch2/catch.hpp>

#include "../integration/bridge_lab.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {
// `bridge -j vlan show dev X` as {vid: flags}.
std::map<int, std::vector<std::string>> vlans(const Lab& lab, const std::string& port) {
  std::map<int, std::vector<std::string>> out;
  auto j = json::parse(lab.in_host("bridge -j vlan show dev " + port));
  for (const auto& dev : j)
    for (const auto& v : dev["vlans"]) {
      std::vector<std::string> flags;
      if (v.contains("flags")) flags = v["flags"].get<std::vector<std::string>>();
      int from = v["vlan"], to = v.value("vlanEnd", from);
      for (int id = from; id <= to; ++id) out[id] = flags;
    }
  return out;
}
}  // namespace

TEST_CASE("bridge keys: vlan, vlanTrunk, preserveDefaultVlan", "[bridge][vlan]") {
  Lab lab(test::ours("bridge"));
  int rc = 0;
  lab.in_host("ip link add vf0 type bridge vlan_filtering 1", &rc);
  REQUIRE(rc == 0);  // a kernel without bridge VLAN filtering fails this tier, never skips it
  test::TestNetns c1("bc"), c2("bc");
  auto access = lab.conf({"10.211.3.0/24"});
  access["vlan"] = 100;
  auto r = lab.add(c1, access, "c1");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto port = r.json()["interfaces"][1]["name"].get<std::string>();
  auto v = vlans(lab, port);
  REQUIRE(v.count(100));
  CHECK(v[100] == std::vector<std::string>{"PVID", "Egress Untagged"});
  CHECK(v.count(1));  // preserveDefaultVlan defaults to true
  CHECK(lab.host_link(lab.br)["linkinfo"]["info_data"]["vlan_filtering"] == 1);

  auto trunk = lab.conf({"10.211.3.0/24"});
  trunk["vlanTrunk"] = json::array({{{"id", 7}}, {{"minID", 20}, {"maxID", 22}}});
  trunk["preserveDefaultVlan"] = false;
  r = lab.add(c2, trunk, "c2");
  REQUIRE(r.rc == 0);
  port = r.json()["interfaces"][1]["name"].get<std::string>();
  v = vlans(lab, port);
  CHECK(v.count(1) == 0);
  for (int id : {7, 20, 21, 22}) {
    REQUIRE(v.count(id));
    CHECK(v[id].empty());  // tagged, not PVID
  }
  CHECK(lab.del(c1, access, "c1").rc == 0);
  CHECK(lab.del(c2, trunk, "c2").rc == 0);
}
