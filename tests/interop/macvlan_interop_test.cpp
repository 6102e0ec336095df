// macvlan against the reference (/usr/lib/cni/macvlan, v1.1.1) on the same configs: the same
// result (MACs are random, compared by shape) and kernel state; attachments made by one and
// removed by the other; and the reference bugs we fix, shown on the reference: its DEL fails
// once the master is gone (plugins#954), and its link gets a txqueuelen of 0 (fixed upstream
// in v1.6.0; ours keeps the kernel's default).
#include <catch2/catch.hpp>

#include "../integration/plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

struct Observed {
  json result;
  std::string addrs, routes, mode;
  int txqlen = -1;
};

json macvlan_conf(const Lab& lab, const std::string& master, const std::string& version) {
  json j{{"name", "mvi"}, {"type", "macvlan"}, {"master", master}, {"ipam", lab.host_local({"10.222.0.0/24"})}};
  if (!version.empty()) j["cniVersion"] = version;
  return j;
}

Observed attach(const std::string& binary, const std::string& version, const std::string& mode) {
  Lab lab;
  const std::string master = test::unique_name("mm");
  lab.add_master(master);
  test::TestNetns c("mi");
  auto conf = macvlan_conf(lab, master, version);
  if (!mode.empty()) conf["mode"] = mode;
  auto r = lab.call(binary, "ADD", "c1", c.path(), conf);
  INFO(binary << ": " << r.out << r.err);
  REQUIRE(r.rc == 0);
  Observed o;
  o.result = r.json();
  if (o.result.contains("interfaces")) {
    CHECK(o.result["interfaces"][0]["sandbox"] == c.path());
    o.result["interfaces"][0].erase("mac");
    o.result["interfaces"][0].erase("sandbox");
  }
  if (o.result.contains("dns") && o.result["dns"].empty()) o.result.erase("dns");  // v1.1.1 prints "dns": {}
  o.addrs = c.exec("ip -o addr show dev eth0 scope global | awk '{print $4}'");
  o.routes = c.exec("ip route show");
  auto l = Lab::link(c, "eth0");
  o.mode = l["linkinfo"]["info_data"]["mode"];
  o.txqlen = l.value("txqlen", 0);
  CHECK(lab.call(binary, "DEL", "c1", c.path(), conf).rc == 0);
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.leases("mvi").empty());
  return o;
}

}  // namespace

TEST_CASE("macvlan interop: the reference's result and kernel state per version and mode", "[macvlan]") {
  const std::pair<const char*, const char*> cases[] = {{"1.0.0", ""}, {"0.4.0", "private"}, {"", "vepa"}};
  for (const auto& [version, mode] : cases) {
    INFO("cniVersion '" << version << "' mode '" << mode << "'");
    auto ref = attach(test::reference("macvlan"), version, mode);
    auto ours = attach(test::ours("macvlan"), version, mode);
    CHECK(ours.result == ref.result);
    CHECK(ours.addrs == ref.addrs);
    CHECK(ours.routes == ref.routes);
    CHECK(ours.mode == ref.mode);
    CHECK(ref.txqlen == 0);       // the reference's v1.1.1 quirk
    CHECK(ours.txqlen == 1000);   // the kernel's default, as upstream since v1.6.0
  }
}

TEST_CASE("macvlan interop: added by one, checked and deleted by the other", "[macvlan]") {
  const std::pair<std::string, std::string> pairs[] = {{test::reference("macvlan"), test::ours("macvlan")},
                                                       {test::ours("macvlan"), test::reference("macvlan")}};
  for (const auto& [adder, other] : pairs) {
    Lab lab;
    const std::string master = test::unique_name("mm");
    lab.add_master(master);
    test::TestNetns c("mi");
    auto conf = macvlan_conf(lab, master, "1.0.0");
    auto r = lab.call(adder, "ADD", "c1", c.path(), conf);
    INFO(adder << " -> " << other << ": " << r.out << r.err);
    REQUIRE(r.rc == 0);
    auto chk = conf;
    chk["prevResult"] = r.json();
    auto checked = lab.call(other, "CHECK", "c1", c.path(), chk);
    INFO(checked.out);
    CHECK(checked.rc == 0);
    CHECK(lab.call(other, "DEL", "c1", c.path(), conf).rc == 0);
    CHECK(Lab::link(c, "eth0").is_null());
    CHECK(lab.leases("mvi").empty());
  }
}

TEST_CASE("macvlan interop: DEL after the master is gone succeeds (the reference's fails)", "[macvlan]") {
  for (bool reference : {true, false}) {
    Lab lab;
    const std::string master = test::unique_name("mm");
    lab.add_master(master);
    test::TestNetns c("mi");
    auto conf = macvlan_conf(lab, master, "1.0.0");
    const auto binary = reference ? test::reference("macvlan") : test::ours("macvlan");
    REQUIRE(lab.call(binary, "ADD", "c1", c.path(), conf).rc == 0);
    REQUIRE(lab.host_sh("ip link del " + master));
    auto r = lab.call(binary, "DEL", "c1", c.path(), conf);
    INFO((reference ? "reference: " : "ours: ") << r.out);
    if (reference) {
      CHECK(r.rc != 0);
      CHECK(lab.leases("mvi").size() == 1);  // its address stays taken
    } else {
      CHECK(r.rc == 0);
      CHECK(lab.leases("mvi").empty());
    }
  }
}
