// cnipp-chain driven exactly as the Mesos isolator drives a plugin (replaced environment,
// bind-mounted ns file, no cniVersion, DEL after the netns is gone, repeated DEL): a chain
// of bridge + portmap + tuning gives the task its address, its mapped ports (traffic from
// another host reaches it) and its sysctls, and DEL removes everything. Also: a failing
// plugin undoes the whole ADD, version negotiation, the result in the outer config's version.
#include <unistd.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "cni/base/encoding.hpp"
#include "hostport_lab.hpp"
#include "mesos_lab.hpp"

using namespace hostport_test;
using mesos_test::MesosContainer;

namespace {

// The agent's environment for one call: nothing but the CNI variables and PATH.
test::RunResult mesos_call(const Lab& lab, const std::string& command, const MesosContainer& c, const json& conf,
                           const std::string& cni_path = "") {
  test::Env env{{"CNI_COMMAND", command},
                {"CNI_CONTAINERID", c.id},
                {"CNI_PATH", cni_path.empty() ? test::bin_dir() : cni_path},
                {"CNI_IFNAME", "eth0"},
                {"CNI_NETNS", c.ns_file},
                {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
  return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", lab.host.name, test::ours("cnipp-chain")});
}

json chain_conf(const Lab& lab, const std::string& net, json extra_plugins = json::array()) {
  json bridge = lab.mesos_bridge();
  json plugins = json::array({bridge, {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}},
                              {{"type", "tuning"},
                               {"dataDir", lab.data.path + "/tuning"},
                               {"sysctl", {{"net.core.somaxconn", "1024"}, {"net.ipv4.conf.IFNAME.arp_ignore", "2"}}}}});
  for (const auto& p : extra_plugins) plugins.push_back(p);
  json conf{{"name", net}, {"type", "cnipp-chain"}, {"cacheDir", lab.data.path + "/cache"}, {"plugins", plugins}};
  conf["args"]["org.apache.mesos"]["network_info"] = {
      {"name", net},
      {"labels", {{"labels", json::array({{{"key", "app"}, {"value", "web"}}})}}},
      {"port_mappings", json::array({{{"host_port", 8080}, {"container_port", 80}, {"protocol", "tcp"}},
                                     {{"host_port", 5353}, {"container_port", 53}, {"protocol", "udp,tcp"}}})}};
  return conf;
}

// Everything an attachment leaves on the host and in the test's directories.
void expect_nothing_left(const Lab& lab, const MesosContainer& c, const std::string& net) {
  // After `ip netns del` the kernel removes the namespace's devices on a workqueue, and the
  // host end of the veth goes with its peer some time later on a loaded machine: wait for
  // that (bounded), so the check is about what DEL left, not about the kernel's pace.
  std::string ports;
  for (int i = 0; i < 100; ++i) {
    ports = lab.host.exec("ip -j link show master " + lab.br + " 2>/dev/null || echo []");
    if (ports == "[]\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(ports == "[]\n");
  for (const auto& f : test::list_dir(lab.data.path + "/ipam/" + net))
    CHECK((f == "lock" || f.rfind("last_reserved_ip", 0) == 0));
  CHECK_THAT(lab.ruleset(), !Catch::Contains("id: " + c.id));
  CHECK(test::list_dir(lab.data.path + "/cache/results").empty());
  CHECK(test::list_dir(lab.data.path + "/tuning").empty());
}

}  // namespace

TEST_CASE("cnipp-chain: Mesos attaches bridge + portmap + tuning, address, ports, sysctls, DEL removes all",
          "[cnipp-chain][mesos]") {
  Lab lab;
  MesosContainer c;
  const auto net = test::unique_name("mc");
  const auto conf = chain_conf(lab, net);

  auto r = mesos_call(lab, "ADD", c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  // Mesos reads the 0.1.0 form: ip4.ip is the task's address.
  auto j = r.json();
  CHECK(j["cniVersion"] == "0.1.0");
  REQUIRE(j["ip4"]["ip"].is_string());
  const auto ip = j["ip4"]["ip"].get<std::string>();
  CHECK(ip.rfind("10.214.0.", 0) == 0);
  CHECK(j["ip4"]["gateway"] == kGatewayV4);

  // Its address is in the container, its ports are mapped, its sysctls are set.
  CHECK_THAT(c.netns.exec("ip -4 -o addr show dev eth0"), Catch::Contains(ip));
  CHECK(c.netns.exec("cat /proc/sys/net/core/somaxconn") == "1024\n");
  CHECK(c.netns.exec("cat /proc/sys/net/ipv4/conf/eth0/arp_ignore") == "2\n");
  {
    Server task(c.netns.name, "task", "80,53", "53");
    CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "task");
    CHECK(who(udp_from(lab.outside.name, kHostV4, 5353)) == "task");
    CHECK(who(tcp_from(lab.outside.name, kHostV4, 5353)) == "task");
  }
  // The result is cached per attachment, in the inner version (all ours: the newest).
  auto entry = json::parse(test::read_file(lab.data.path + "/cache/results/" + net + "-" + c.id + "-eth0"));
  CHECK(entry["result"]["cniVersion"] == "1.1.0");
  auto list = json::parse(cni::base64_decode(entry["config"].get<std::string>()));
  // Mesos's labels reach every plugin as args.cni.labels; its args stay.
  CHECK(list["plugins"][2]["args"]["cni"]["labels"] == json::array({{{"key", "app"}, {"value", "web"}}}));
  CHECK(list["plugins"][2]["args"].contains("org.apache.mesos"));

  // Destroy: DEL, the agent unmounts the ns file, recovery DELs again.
  r = mesos_call(lab, "DEL", c, conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  c.unmount();
  r = mesos_call(lab, "DEL", c, conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  expect_nothing_left(lab, c, net);
  CHECK(tcp_from(lab.outside.name, kHostV4, 8080, 0.5) == "");
}

TEST_CASE("cnipp-chain: DEL after the netns is gone, without a prior DEL, cleans up from the cache", "[cnipp-chain][mesos]") {
  Lab lab;
  MesosContainer c;
  const auto net = test::unique_name("mc");
  const auto conf = chain_conf(lab, net);
  REQUIRE(mesos_call(lab, "ADD", c, conf).rc == 0);
  c.unmount();
  test::sh("ip netns del " + c.netns.name);  // the container's namespace is gone for good
  auto r = mesos_call(lab, "DEL", c, conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  expect_nothing_left(lab, c, net);
}

TEST_CASE("cnipp-chain: a failing plugin undoes the whole ADD", "[cnipp-chain][mesos]") {
  Lab lab;
  MesosContainer c;
  const auto net = test::unique_name("mc");
  auto conf = chain_conf(lab, net, json::array({{{"type", "tuning"}, {"sysctl", {{"net.ipv4.no_such_knob", "1"}}}}}));
  auto r = mesos_call(lab, "ADD", c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc != 0);
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("plugin type=\"tuning\" failed (add)"));
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("no_such_knob"));
  expect_nothing_left(lab, c, net);
  CHECK(c.netns.exec("ip -o link show eth0 2>/dev/null").empty());
}

TEST_CASE("cnipp-chain: plugins run at the newest version they all support, the result in the outer one",
          "[cnipp-chain]") {
  Lab lab;
  MesosContainer c;
  const auto net = test::unique_name("mc");
  // The reference's firewall speaks 0.4.0 and 1.0.0 only.
  test::TempDir dir;
  for (const char* p : {"bridge", "host-local", "portmap", "tuning"})
    REQUIRE(symlink(test::ours(p).c_str(), (dir / p).c_str()) == 0);
  REQUIRE(symlink(test::reference("firewall").c_str(), (dir / "firewall").c_str()) == 0);
  auto conf = chain_conf(lab, net, json::array({{{"type", "firewall"}, {"backend", "iptables"}}}));
  conf["cniVersion"] = "1.0.0";
  auto r = mesos_call(lab, "ADD", c, conf, dir.path);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["cniVersion"] == "1.0.0");
  CHECK(j["ips"][0]["address"].get<std::string>().rfind("10.214.0.", 0) == 0);
  auto entry = json::parse(test::read_file(lab.data.path + "/cache/results/" + net + "-" + c.id + "-eth0"));
  CHECK(entry["result"]["cniVersion"] == "1.0.0");
  CHECK_THAT(lab.host.exec("iptables-save -t filter"), Catch::Contains(j["ips"][0]["address"].get<std::string>().substr(0, 10)));
  // CHECK runs every plugin with the cached result.
  r = mesos_call(lab, "CHECK", c, conf, dir.path);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  REQUIRE(mesos_call(lab, "DEL", c, conf, dir.path).rc == 0);
  expect_nothing_left(lab, c, net);
  CHECK_THAT(lab.host.exec("iptables-save -t filter"), !Catch::Contains("-s 10.214.0."));
}

TEST_CASE("cnipp-chain: bad configs are refused before any plugin runs", "[cnipp-chain]") {
  Lab lab;
  MesosContainer c;
  const auto net = test::unique_name("mc");
  auto refused = [&](const json& conf, const std::string& words) {
    auto r = mesos_call(lab, "ADD", c, conf);
    INFO(r.out << r.err);
    REQUIRE(r.rc != 0);
    CHECK(r.json()["code"] == 7);
    CHECK_THAT(r.out, Catch::Contains(words));
    expect_nothing_left(lab, c, net);
  };
  auto conf = chain_conf(lab, net);
  auto nested = conf;
  nested["plugins"].push_back({{"type", "cnipp-chain"}});
  refused(nested, "chains do not nest");
  auto empty = conf;
  empty["plugins"] = json::array();
  refused(empty, "must be a non-empty list");
  auto bad_port = conf;
  bad_port["args"]["org.apache.mesos"]["network_info"]["port_mappings"][0]["host_port"] = 70000;
  refused(bad_port, "Invalid host port number: 70000");
  auto missing = conf;
  missing["plugins"].push_back({{"type", "no-such-plugin"}});
  refused(missing, "no-such-plugin");
}
