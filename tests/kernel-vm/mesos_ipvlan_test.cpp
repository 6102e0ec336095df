// The Mesos isolator's protocol for ipvlan (see tests/integration/mesos_protocol_test.cpp
// for bridge): replaced environment, bind-mounted ns file, args["org.apache.mesos"], a
// config without cniVersion read back in the 0.1.0 form, DEL again after the unmount.
#include <sys/mount.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

TEST_CASE("mesos: ipvlan attach, detach, detach again after the ns file is unmounted", "[mesos][ipvlan]") {
  test::TestNetns host("mh"), container("mc");
  int rc = -1;
  host.exec("sh -c 'ip link add eth0 type dummy && ip link set eth0 up && ip addr add 10.231.0.250/24 dev eth0'", &rc);
  REQUIRE(rc == 0);
  test::TempDir root, data;
  const std::string id = "5b1c7e2a-0f3d-4c51-9d2e-7a8b9c0d1e2f";
  const std::string dir = root.path + "/isolators/network/cni/" + id;
  std::filesystem::create_directories(dir);
  const std::string ns_file = dir + "/ns";
  test::write_file(ns_file, "");
  REQUIRE(mount(container.path().c_str(), ns_file.c_str(), nullptr, MS_BIND, nullptr) == 0);

  json conf = {{"name", "mesos-ipvlan"}, {"type", "ipvlan"}, {"master", "eth0"},
               {"ipam", {{"type", "host-local"}, {"subnet", "10.231.0.0/24"}, {"dataDir", data.path},
                         {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}};
  conf["args"]["org.apache.mesos"]["network_info"] = {{"name", "mesos-ipvlan"},
                                                      {"labels", {{"labels", json::array({{{"key", "k"}, {"value", "v"}}})}}}};
  auto call = [&](const std::string& cmd) {
    test::Env env{{"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_PATH", test::bin_dir()},
                  {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", ns_file}, {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, test::ours("ipvlan")});
  };
  auto add = call("ADD");
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  auto j = add.json();
  REQUIRE(j["ip4"]["ip"].is_string());  // what the agent reads
  CHECK(j["ip4"]["ip"] == "10.231.0.2/24");
  CHECK(j["ip4"]["gateway"] == "10.231.0.1");
  CHECK_THAT(container.exec("ip -4 -o addr show dev eth0"), Catch::Contains("10.231.0.2/24"));

  CHECK(call("DEL").rc == 0);
  umount2(ns_file.c_str(), MNT_DETACH);
  std::filesystem::remove_all(dir);
  auto again = call("DEL");
  INFO(again.out);
  CHECK(again.rc == 0);
  for (const auto& f : test::list_dir(data.path + "/mesos-ipvlan"))
    CHECK((f == "lock" || f.rfind("last_reserved_ip", 0) == 0));
}
