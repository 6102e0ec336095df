// The shipped Mesos examples for macvlan and ptp (conf-examples/mesos) through the Mesos
// isolator's protocol (see mesos_protocol_test.cpp): the agent's environment, a bind-mounted
// ns file, args["org.apache.mesos"], no cniVersion so the 0.1.0 result the agent reads, and
// DEL again after the ns file is unmounted. Only the master and the lease dir are changed.
#include <sys/mount.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

void mesos_round_trip(const std::string& example, const std::function<void(Lab&, json&)>& adapt,
                      const std::string& want_ip) {
  Lab lab;
  test::TestNetns container("mc");
  test::TempDir root;
  json conf = json::parse(test::read_file(std::string(CNIPP_SOURCE_DIR) + "/conf-examples/mesos/" + example));
  conf["ipam"]["dataDir"] = lab.data.path + "/ipam";
  adapt(lab, conf);
  const std::string name = conf["name"];
  conf["args"]["org.apache.mesos"]["network_info"] = {{"name", name}};
  const std::string id = "7c2e9f4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b";
  const std::string dir = root.path + "/isolators/network/cni/" + id;
  std::filesystem::create_directories(dir);
  const std::string ns_file = dir + "/ns";
  test::write_file(ns_file, "");
  REQUIRE(mount(container.path().c_str(), ns_file.c_str(), nullptr, MS_BIND, nullptr) == 0);
  auto call = [&](const std::string& cmd) {
    test::Env env{{"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_PATH", test::bin_dir()},
                  {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", ns_file}, {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", lab.host.name, test::ours(conf["type"])});
  };
  auto add = call("ADD");
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  auto j = add.json();
  CHECK(j["cniVersion"] == "0.1.0");
  CHECK(j["ip4"]["ip"] == want_ip);  // what the agent reads
  CHECK(Lab::has_addr(container, "eth0", want_ip.substr(0, want_ip.find('/')), std::stoi(want_ip.substr(want_ip.find('/') + 1))));
  CHECK(call("DEL").rc == 0);
  umount2(ns_file.c_str(), MNT_DETACH);
  CHECK(call("DEL").rc == 0);
  CHECK(lab.leases(name).empty());
  CHECK(lab.masq_rules(id).empty());
}

}  // namespace

TEST_CASE("mesos: the shipped macvlan example attaches a task to the LAN and detaches it", "[mesos][macvlan]") {
  mesos_round_trip("mesos-macvlan.conf", [](Lab& lab, json& conf) {
    const std::string master = test::unique_name("mm");
    lab.add_master(master);
    conf["master"] = master;
  }, "10.30.0.100/24");
}

TEST_CASE("mesos: the shipped ptp example routes a task and masquerades it", "[mesos][ptp]") {
  mesos_round_trip("mesos-ptp.conf", [](Lab&, json&) {}, "10.40.0.2/16");
}
