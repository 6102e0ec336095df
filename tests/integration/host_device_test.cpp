// host-device: a host link moved into the container under CNI_IFNAME and back under its own
// name on DEL with its addresses, routes and up state; selection by MAC and kernel path;
// DEL when the netns is gone (the device died with it, or came back by itself); refusals
// and failed ADDs that leave the device where it was.
#include <catch2/catch.hpp>

#include "plugin_lab.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

struct HostDeviceLab : Lab {
  std::string dev = test::unique_name("hd");
  HostDeviceLab() {
    add_master(dev);  // a veth pair stands in for a NIC
    REQUIRE(host_sh("ip addr add 10.225.0.5/24 dev " + dev + " && ip route add 10.226.0.0/16 via 10.225.0.1"));
  }
  json conf(bool ipam = true) const {
    json j{{"cniVersion", "1.0.0"}, {"name", "hdnet"}, {"type", "host-device"}, {"device", dev},
           {"dataDir", data.path + "/hd"}};
    if (ipam)
      j["ipam"] = {{"type", "static"},
                   {"addresses", json::array({{{"address", "10.227.0.2/24"}, {"gateway", "10.227.0.1"}}})},
                   {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}};
    return j;
  }
  test::RunResult call_ours(const std::string& cmd, const test::TestNetns& c, const json& conf) const {
    return call(test::ours("host-device"), cmd, "c1", c.path(), conf);
  }
  // The device as the host had it before ADD: up, its address and its route.
  bool restored() const {
    auto l = host_link(dev);
    if (l.is_null()) return false;
    auto flags = l["flags"];
    const bool up = std::find(flags.begin(), flags.end(), "UP") != flags.end();
    return up && has_addr(host, dev, "10.225.0.5", 24) &&
           in_host("ip route show 10.226.0.0/16").find("via 10.225.0.1 dev " + dev) != std::string::npos &&
           !l.contains("ifalias");
  }
  std::vector<std::string> state_files() const { return test::list_dir(data.path + "/hd/hdnet"); }
};

}  // namespace

TEST_CASE("host-device: round trip into the container and back with its addresses, routes and up state",
          "[host-device]") {
  HostDeviceLab lab;
  test::TestNetns c("hc");
  auto conf = lab.conf();
  auto r = lab.call_ours("ADD", c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(lab.host_link(lab.dev).is_null());
  auto l = Lab::link(c, "eth0");
  REQUIRE_FALSE(l.is_null());
  CHECK(l["ifalias"] == lab.dev);  // where the reference keeps the host name too
  auto j = r.json();
  CHECK(j["interfaces"] == json::array({{{"name", "eth0"}, {"mac", l["address"]}, {"sandbox", c.path()}}}));
  CHECK(j["ips"][0] == json{{"interface", 0}, {"address", "10.227.0.2/24"}, {"gateway", "10.227.0.1"}});
  CHECK(Lab::has_addr(c, "eth0", "10.227.0.2", 24));
  CHECK(c.exec("ip route show default") == "default via 10.227.0.1 dev eth0 \n");
  CHECK(lab.state_files().size() == 1);
  auto chk = conf;
  chk["prevResult"] = j;
  CHECK(lab.call_ours("CHECK", c, chk).rc == 0);

  auto d = lab.call_ours("DEL", c, conf);
  INFO(d.out << d.err);
  REQUIRE(d.rc == 0);
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.restored());
  CHECK(lab.state_files().empty());
  CHECK(lab.call_ours("DEL", c, conf).rc == 0);  // idempotent
  CHECK(lab.restored());
}

TEST_CASE("host-device: selection by MAC and by kernel path, L2-only", "[host-device]") {
  HostDeviceLab lab;
  test::TestNetns c("hc");
  auto conf = lab.conf(false);
  conf.erase("device");
  conf["hwaddr"] = lab.host_link(lab.dev)["address"];
  auto r = lab.call_ours("ADD", c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(Lab::link(c, "eth0")["ifalias"] == lab.dev);
  CHECK_FALSE(r.json().contains("ips"));
  REQUIRE(lab.call_ours("DEL", c, conf).rc == 0);
  CHECK(lab.restored());
  // The host namespace's virtual devices live under /sys/devices/virtual/net; sorted, ours
  // ("hd...") comes before its peer and lo.
  conf.erase("hwaddr");
  conf["kernelpath"] = "/sys/devices/virtual";
  r = lab.call_ours("ADD", c, conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(Lab::link(c, "eth0")["ifalias"] == lab.dev);
  REQUIRE(lab.call_ours("DEL", c, conf).rc == 0);
  CHECK(lab.restored());
}

TEST_CASE("host-device: DEL without the netns, whether the device died with it or came back by itself",
          "[host-device]") {
  HostDeviceLab lab;
  auto conf = lab.conf();
  SECTION("a physical device comes back to the host under its container name when the netns dies") {
    std::string path;
    {
      test::TestNetns c("hc");
      path = c.path();
      REQUIRE(lab.call_ours("ADD", c, conf).rc == 0);
      // What the kernel does with a NIC when its namespace dies, done by hand for a veth.
      c.exec("ip link set eth0 netns " + lab.host.name);
    }
    CHECK_FALSE(lab.host_link("eth0").is_null());
    auto d = lab.call(test::ours("host-device"), "DEL", "c1", path, conf);
    INFO(d.out << d.err);
    CHECK(d.rc == 0);
    CHECK(lab.host_link("eth0").is_null());
    CHECK(lab.restored());
    CHECK(lab.state_files().empty());
  }
  SECTION("a virtual device dies with the namespace: DEL succeeds and forgets it") {
    std::string path;
    {
      test::TestNetns c("hc");
      path = c.path();
      REQUIRE(lab.call_ours("ADD", c, conf).rc == 0);
    }
    CHECK(lab.call(test::ours("host-device"), "DEL", "c1", path, conf).rc == 0);
    CHECK(lab.state_files().empty());
  }
}

TEST_CASE("host-device: refusals and failed ADDs leave the device in the host as it was", "[host-device]") {
  HostDeviceLab lab;
  test::TestNetns c("hc");
  auto conf = lab.conf();
  conf.erase("device");
  CHECK(lab.call_ours("ADD", c, conf).json()["code"] == 7);
  conf = lab.conf();
  conf["device"] = "nosuchdev0";
  CHECK(lab.call_ours("ADD", c, conf).rc != 0);
  // IPAM hands out nothing: the device goes back, state file and all.
  conf = lab.conf();
  conf["ipam"] = {{"type", "static"}};
  auto r = lab.call_ours("ADD", c, conf);
  CHECK(r.rc != 0);
  CHECK(r.json()["msg"] == "IPAM plugin returned missing IP config");
  CHECK(Lab::link(c, "eth0").is_null());
  CHECK(lab.restored());
  CHECK(lab.state_files().empty());
  c.exec("ip link add eth0 type veth peer name eth0p");
  CHECK(lab.call_ours("ADD", c, lab.conf()).json()["code"] == 4);
  CHECK(lab.restored());
}

TEST_CASE("host-device: GC gives back the device of a forgotten attachment whose netns died", "[host-device]") {
  HostDeviceLab lab;
  auto conf = lab.conf();
  conf["cniVersion"] = "1.1.0";
  {
    test::TestNetns c("hc");
    REQUIRE(lab.call_ours("ADD", c, conf).rc == 0);
    c.exec("ip link set eth0 netns " + lab.host.name);  // what the kernel does with a NIC
  }
  REQUIRE(lab.state_files().size() == 1);
  auto gc = conf;
  gc["cni.dev/valid-attachments"] = json::array();
  auto g = lab.call(test::ours("host-device"), "GC", "", "", gc, "");
  INFO(g.out << g.err);
  CHECK(g.rc == 0);
  CHECK(lab.restored());
  CHECK(lab.state_files().empty());
}
