// Drives our plugins exactly as Mesos's network/cni isolator does
// (src/slave/containerizer/mesos/isolators/network/cni/cni.cpp): a replaced environment with
// only CNI_COMMAND, CNI_CONTAINERID (a UUID), CNI_PATH, CNI_IFNAME, CNI_NETNS and PATH; CNI_NETNS
// is a bind mount of the container's netns file under the isolator's directory; stdin is the
// .conf with args["org.apache.mesos"]["network_info"] added; stdout is read in the 0.1.0 form
// (ip4.ip); DEL reuses the checkpointed config and may run again after the ns file is unmounted.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "mesos_lab.hpp"

using nlohmann::json;
using mesos_test::MesosContainer;

namespace {

// A Mesos "host": the agent's namespace is simulated by a test netns so bridges and NAT
// rules never land in the real host.
struct Agent {
  test::TestNetns host{"mh"};
  test::TempDir data;

  test::RunResult call(const std::string& command, const MesosContainer& c, const std::string& ifname,
                       const json& conf) const {
    test::Env env{{"CNI_COMMAND", command},          {"CNI_CONTAINERID", c.id},
                  {"CNI_PATH", test::bin_dir()},      {"CNI_IFNAME", ifname},
                  {"CNI_NETNS", c.ns_file},           {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
    auto plugin = test::bin_dir() + "/" + conf["type"].get<std::string>();
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, plugin});
  }
};

// What the agent writes on stdin: the .conf plus args["org.apache.mesos"]["network_info"].
json with_network_info(json conf, const std::string& net) {
  conf["args"]["org.apache.mesos"]["network_info"] = {
      {"name", net},
      {"labels", {{"labels", json::array({{{"key", "app"}, {"value", "web"}}})}}},
      {"port_mappings", json::array({{{"host_port", 8080}, {"container_port", 80}, {"protocol", "tcp"}}})}};
  return conf;
}

// The documented bridge example (no cniVersion), with test-only names and subnet.
json bridge_conf(const std::string& net, const std::string& bridge, const std::string& subnet,
                 const std::string& data_dir) {
  return {{"name", net},
          {"type", "bridge"},
          {"bridge", bridge},
          {"isGateway", true},
          {"ipMasq", true},
          {"ipam",
           {{"type", "host-local"},
            {"subnet", subnet},
            {"dataDir", data_dir},
            {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}};
}

// Mesos parses stdout into spec::NetworkInfo: ip4{ip,gateway,routes}, ip6, dns; ip4.ip is required.
std::string mesos_parse_ip4(const test::RunResult& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  REQUIRE(j.contains("ip4"));
  REQUIRE(j["ip4"]["ip"].is_string());
  for (const auto& route : j["ip4"].value("routes", json::array())) REQUIRE(route["dst"].is_string());
  return j["ip4"]["ip"].get<std::string>();
}

}  // namespace

TEST_CASE("mesos: bridge attach on eth0 and eth1, detach, detach again after unmount", "[mesos][bridge]") {
  Agent agent;
  MesosContainer c;
  auto net1 = test::unique_name("mn");
  auto net2 = test::unique_name("mn");
  auto br1 = test::unique_name("mb");
  auto br2 = test::unique_name("mb");
  // Config files are re-read per attach and checkpointed: DEL must use these exact bytes.
  json conf1 = with_network_info(bridge_conf(net1, br1, "10.231.0.0/16", agent.data.path), net1);
  json conf2 = with_network_info(bridge_conf(net2, br2, "10.232.0.0/24", agent.data.path), net2);

  auto ip1 = mesos_parse_ip4(agent.call("ADD", c, "eth0", conf1));
  auto ip2 = mesos_parse_ip4(agent.call("ADD", c, "eth1", conf2));
  CHECK(ip1.rfind("10.231.", 0) == 0);
  CHECK(ip2.rfind("10.232.0.", 0) == 0);

  // The container really has both addresses, and a default route out of eth0.
  auto addrs = c.netns.exec("ip -j addr show");
  CHECK_THAT(addrs, Catch::Contains(ip1.substr(0, ip1.find('/'))));
  CHECK_THAT(addrs, Catch::Contains(ip2.substr(0, ip2.find('/'))));
  CHECK_THAT(c.netns.exec("ip route show default"), Catch::Contains("dev eth0"));
  // The container reaches its gateway (the bridge) through the veth.
  int rc = -1;
  c.netns.exec("ping -c1 -W2 10.231.0.1 >/dev/null 2>&1", &rc);
  CHECK(rc == 0);
  // A lease per network, named by the address.
  CHECK(test::list_dir(agent.data / net1).size() >= 2);  // lease + lock/last_reserved
  auto masq = agent.host.exec("nft list ruleset");
  CHECK_THAT(masq, Catch::Contains(c.id));

  // Destroy: DEL per network with the checkpointed config, then the agent unmounts the ns file.
  CHECK(agent.call("DEL", c, "eth0", conf1).rc == 0);
  CHECK(agent.call("DEL", c, "eth1", conf2).rc == 0);
  c.unmount();
  // Recovery after an agent restart may DEL again, with the ns file gone.
  auto again = agent.call("DEL", c, "eth0", conf1);
  INFO(again.out << again.err);
  CHECK(again.rc == 0);
  CHECK(agent.call("DEL", c, "eth1", conf2).rc == 0);

  for (const auto& net : {net1, net2}) {
    for (const auto& f : test::list_dir(agent.data / net))
      CHECK((f == "lock" || f.rfind("last_reserved_ip", 0) == 0 || f.rfind(".", 0) == 0));
  }
  CHECK_THAT(agent.host.exec("nft list ruleset"), !Catch::Contains(c.id));
}

TEST_CASE("mesos: plugins accept and ignore everything under args", "[mesos][bridge]") {
  Agent agent;
  MesosContainer c;
  auto net = test::unique_name("mn");
  json conf = with_network_info(bridge_conf(net, test::unique_name("mb"), "10.233.0.0/24", agent.data.path), net);
  conf["args"]["org.apache.mesos"]["network_info"]["ip_addresses"] = json::array({{{"protocol", "IPv4"}}});
  conf["args"]["other-runtime"] = {{"anything", json::array({1, "two", nullptr})}};
  auto ip = mesos_parse_ip4(agent.call("ADD", c, "eth0", conf));
  CHECK(ip.rfind("10.233.0.", 0) == 0);
  CHECK(agent.call("DEL", c, "eth0", conf).rc == 0);
}
