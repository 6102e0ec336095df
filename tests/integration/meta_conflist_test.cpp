// The meta plugins in a conflist run by our cnitool, the way podman or containerd chains
// them: bridge + tuning + bandwidth + firewall + portmap, capability arguments from
// CAP_ARGS, prevResult through the chain, the cached result for CHECK and DEL.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;

namespace {

// A conflist of `lab`'s bridge and the meta plugins, in `dir`.
void write_conflist(const Lab& lab, const std::string& dir) {
  json bridge = lab.bridge_conf();
  bridge.erase("cniVersion");
  bridge.erase("name");
  json list{{"cniVersion", "1.0.0"},
            {"name", lab.network},
            {"plugins",
             json::array({bridge,
                          {{"type", "tuning"}, {"dataDir", lab.data.path + "/tuning"},
                           {"sysctl", {{"net.core.somaxconn", "2048"}}}},
                          {{"type", "bandwidth"}, {"capabilities", {{"bandwidth", true}}}},
                          {{"type", "firewall"}},
                          {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}})}};
  test::write_file(dir + "/10-meta.conflist", list.dump(2));
}

test::RunResult cnitool(const Lab& lab, const std::string& conf_dir, const std::string& cache, const std::string& plugins,
                        const std::vector<std::string>& args) {
  test::Env env{{"NETCONFPATH", conf_dir}, {"CNI_PATH", plugins}, {"CNI_CACHE_DIR", cache},
                {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
                {"CAP_ARGS", R"({"bandwidth":{"ingressRate":8000000,"ingressBurst":80000},
                                 "portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]})"}};
  std::vector<std::string> full{"netns", "exec", lab.host.name, test::ours("cnitool")};
  full.insert(full.end(), args.begin(), args.end());
  return test::run("/usr/bin/ip", env, "", full);
}

}  // namespace

TEST_CASE("conflist: cnitool runs bridge + tuning + bandwidth + firewall + portmap, CHECK and DEL", "[cnitool][meta]") {
  Lab lab;
  test::TestNetns c("mc");
  test::TempDir conf, cache;
  write_conflist(lab, conf.path);
  auto add = cnitool(lab, conf.path, cache.path, test::bin_dir(), {"add", lab.network, c.path()});
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  auto result = add.json();
  const auto ip = meta_test::addr(result, 4);
  const auto veth = lab.host_veth(result);
  // Each plugin did its part, with what it was handed.
  CHECK(c.exec("cat /proc/sys/net/core/somaxconn") == "2048\n");
  CHECK_THAT(lab.host.exec("tc qdisc show dev " + veth), Catch::Contains("tbf") && Catch::Contains("rate 8Mbit"));
  CHECK_THAT(lab.host.exec("nft list chain inet cnipp_firewall allow"), Catch::Contains("ip saddr " + ip + " accept"));
  CHECK_THAT(lab.host.exec("nft list table inet cnipp_hostport"), Catch::Contains("dnat ip to " + ip + ":80"));

  auto check = cnitool(lab, conf.path, cache.path, test::bin_dir(), {"check", lab.network, c.path()});
  INFO(check.out << check.err);
  CHECK(check.rc == 0);

  auto del = cnitool(lab, conf.path, cache.path, test::bin_dir(), {"del", lab.network, c.path()});
  INFO(del.out << del.err);
  REQUIRE(del.rc == 0);
  CHECK_THAT(lab.host.exec("nft list ruleset"), !Catch::Contains(ip));
  CHECK(lab.host.exec("ip link show dev " + veth + " 2>/dev/null").empty());
  CHECK(test::list_dir(lab.data.path + "/tuning").empty());
  CHECK(test::list_dir(cache.path + "/results").empty());
}
