// Swapping the reference's meta plugins for ours under running containers: a conflist
// (bridge + tuning + bandwidth + firewall + portmap) ADDed with the reference's tuning,
// bandwidth, firewall and portmap, then CHECKed and DELed with ours from the same plugin
// directory, as an operator who upgrades /usr/lib/cni does. Nothing may be left.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "../integration/meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;

namespace {

const std::vector<std::string> kMeta = {"tuning", "bandwidth", "firewall", "portmap"};

// A plugin directory with our bridge and host-local, and the reference's meta plugins or ours.
void fill(const std::string& dir, bool reference_meta) {
  for (const char* p : {"bridge", "host-local"}) {
    unlink((dir + "/" + p).c_str());
    REQUIRE(symlink(test::ours(p).c_str(), (dir + "/" + p).c_str()) == 0);
  }
  for (const auto& p : kMeta) {
    unlink((dir + "/" + p).c_str());
    REQUIRE(symlink((reference_meta ? test::reference(p) : test::ours(p)).c_str(), (dir + "/" + p).c_str()) == 0);
  }
}

}  // namespace

TEST_CASE("meta interop: ADD with the reference's plugins, then DEL with ours after the swap", "[meta][interop]") {
  Lab lab;
  test::TestNetns c("mc");
  test::TempDir conf, cache, plugins;
  json bridge = lab.bridge_conf();
  bridge.erase("cniVersion");
  bridge.erase("name");
  json list{{"cniVersion", "1.0.0"},
            {"name", lab.network},
            {"plugins",
             json::array({bridge,
                          {{"type", "tuning"}, {"dataDir", lab.data.path + "/tuning"}, {"mtu", 1400}},
                          {{"type", "bandwidth"}, {"ingressRate", 8000000}, {"ingressBurst", 80000},
                           {"egressRate", 8000000}, {"egressBurst", 80000}},
                          {{"type", "firewall"}},
                          {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}})}};
  test::write_file(conf / "10-meta.conflist", list.dump());
  auto tool = [&](const std::string& verb) {
    test::Env env{{"NETCONFPATH", conf.path}, {"CNI_PATH", plugins.path}, {"CNI_CACHE_DIR", cache.path},
                  {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
                  {"CAP_ARGS", R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]})"}};
    return test::run("/usr/bin/ip", env, "", {"netns", "exec", lab.host.name, test::ours("cnitool"), verb, lab.network, c.path()});
  };
  fill(plugins.path, true);
  auto add = tool("add");
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  const auto ip = meta_test::addr(add.json(), 4);
  auto tables = [&] { return lab.host.exec("sh -c 'iptables-save; ip6tables-save' | grep -v '^#'"); };
  REQUIRE_THAT(tables(), Catch::Contains(ip));
  const auto mtu_before = c.exec("cat /sys/class/net/eth0/mtu");
  CHECK(mtu_before == "1400\n");

  fill(plugins.path, false);
  auto del = tool("del");
  INFO(del.out << del.err);
  REQUIRE(del.rc == 0);
  auto left = tables();
  CHECK_THAT(left, !Catch::Contains(ip));
  CHECK_THAT(left, !Catch::Contains("CNI-DN-"));
  CHECK_THAT(lab.host.exec("ip -o link show"), !Catch::Contains("bwp"));
  CHECK(test::list_dir(lab.data.path + "/tuning").empty());
  CHECK(test::list_dir(cache.path + "/results").empty());
}
