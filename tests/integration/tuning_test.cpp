// tuning through the CNI protocol, chained after our bridge in test namespaces: what it
// changes, that CHECK sees drift, that DEL puts everything back, and that bad input (or a
// failure half-way) leaves the container as it was.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;
using meta_test::trim;

namespace {

// What tuning may change, read from the container.
struct LinkState {
  std::string mac, flags;
  int mtu = 0, txqlen = 0;
  std::string rp_filter, somaxconn;
  bool operator==(const LinkState&) const = default;
};

LinkState state_of(const test::TestNetns& c, const std::string& ifname = "eth0") {
  auto l = json::parse(c.exec("ip -j -d link show dev " + ifname))[0];
  LinkState s;
  s.mac = l["address"];
  s.mtu = l["mtu"];
  s.txqlen = l.value("txqlen", 0);
  for (const auto& f : l["flags"]) s.flags += f.get<std::string>() + ",";
  s.rp_filter = trim(c.exec("cat /proc/sys/net/ipv4/conf/" + ifname + "/rp_filter"));
  s.somaxconn = trim(c.exec("cat /proc/sys/net/core/somaxconn"));
  return s;
}

json tuning_conf(const Lab& lab, const json& prev) {
  return lab.chained({{"type", "tuning"},
                      {"dataDir", lab.data.path + "/tuning"},
                      {"sysctl", {{"net.ipv4.conf.IFNAME.rp_filter", "2"}, {"net.core.somaxconn", "777"}}},
                      {"mac", "02:aa:bb:cc:dd:ee"},
                      {"mtu", 1300},
                      {"promisc", true},
                      {"allmulti", true},
                      {"txQLen", 42}},
                     prev);
}

}  // namespace

TEST_CASE("tuning: sysctls and link settings applied, checked, restored by DEL", "[tuning]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "t1");
  const auto before = state_of(c);
  auto conf = tuning_conf(lab, prev);

  auto r = lab.run(test::ours("tuning"), "ADD", "t1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto after = state_of(c);
  CHECK(after.mac == "02:aa:bb:cc:dd:ee");
  CHECK(after.mtu == 1300);
  CHECK(after.txqlen == 42);
  CHECK_THAT(after.flags, Catch::Contains("PROMISC") && Catch::Contains("ALLMULTI"));
  CHECK(after.rp_filter == "2");
  CHECK(after.somaxconn == "777");
  // The result is prevResult with the container interface's new MAC, nothing else changed.
  auto j = r.json();
  json expected = prev;
  for (auto& i : expected["interfaces"])
    if (i.contains("sandbox")) i["mac"] = "02:aa:bb:cc:dd:ee";
  CHECK(j == expected);
  // The backup holds the old values under the reference's keys.
  auto backup = json::parse(test::read_file(lab.data.path + "/tuning/t1_eth0.json"));
  CHECK(backup["mac"] == before.mac);
  CHECK(backup["mtu"] == before.mtu);
  CHECK(backup["promisc"] == false);
  CHECK(backup["allmulti"] == false);
  CHECK(backup["txQLen"] == before.txqlen);

  CHECK(lab.run(test::ours("tuning"), "CHECK", "t1", c.path(), conf).rc == 0);
  // Drift is seen: an MTU changed behind our back, a sysctl reset.
  c.exec("ip link set eth0 mtu 1400");
  auto drift = lab.run(test::ours("tuning"), "CHECK", "t1", c.path(), conf);
  CHECK(drift.rc != 0);
  CHECK_THAT(drift.out, Catch::Contains("MTU is 1400, configured 1300"));
  c.exec("ip link set eth0 mtu 1300");
  c.exec("sysctl -qw net.core.somaxconn=100");
  CHECK_THAT(lab.run(test::ours("tuning"), "CHECK", "t1", c.path(), conf).out, Catch::Contains("somaxconn"));

  // DEL restores every setting, the sysctls too (the reference never restores those).
  r = lab.run(test::ours("tuning"), "DEL", "t1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(state_of(c) == before);
  CHECK(access((lab.data.path + "/tuning/t1_eth0.json").c_str(), F_OK) != 0);
  // Again: nothing left to do, still success.
  CHECK(lab.run(test::ours("tuning"), "DEL", "t1", c.path(), conf).rc == 0);
}

TEST_CASE("tuning: a repeated ADD keeps the first backup, so DEL still restores the original", "[tuning]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "t2");
  const auto before = state_of(c);
  auto conf = tuning_conf(lab, prev);
  REQUIRE(lab.run(test::ours("tuning"), "ADD", "t2", c.path(), conf).rc == 0);
  REQUIRE(lab.run(test::ours("tuning"), "ADD", "t2", c.path(), conf).rc == 0);
  REQUIRE(lab.run(test::ours("tuning"), "DEL", "t2", c.path(), conf).rc == 0);
  CHECK(state_of(c) == before);
}

TEST_CASE("tuning: bad input and a failure half-way leave the container as it was", "[tuning]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "t3");
  const auto before = state_of(c);
  const std::string backup = lab.data.path + "/tuning/t3_eth0.json";
  auto expect_refused = [&](json extra, int code, const std::string& words) {
    auto conf = tuning_conf(lab, prev);
    for (auto& [k, v] : extra.items()) conf[k] = v;
    auto r = lab.run(test::ours("tuning"), "ADD", "t3", c.path(), conf);
    INFO(r.out << r.err);
    REQUIRE(r.rc != 0);
    CHECK(r.json()["code"] == code);
    CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains(words));
    CHECK(state_of(c) == before);
    CHECK(access(backup.c_str(), F_OK) != 0);
  };
  // Outside net.*: the host's (or any) kernel settings are not ours to touch.
  expect_refused({{"sysctl", {{"kernel.hostname", "x"}}}}, 7, "invalid net sysctl key");
  expect_refused({{"sysctl", {{"net/../../kernel/hostname", "x"}}}}, 7, "invalid net sysctl key");
  expect_refused({{"sysctl", {{"net.ipv4.ip_forward", 1}}}}, 7, "must be a string");
  expect_refused({{"mac", "not-a-mac"}}, 7, "invalid MAC address");
  expect_refused({{"mtu", -5}}, 7, "mtu");
  // A sysctl the kernel does not have: found before anything is written.
  expect_refused({{"sysctl", {{"net.core.somaxconn", "5"}, {"net.ipv4.no_such_knob", "1"}}}}, 5, "no_such_knob");
  // The kernel refuses the MTU after the sysctls, the MAC and promisc were set: all undone.
  expect_refused({{"mtu", 60}}, 999, "MTU");
  // Without prevResult, nothing is done.
  auto conf = tuning_conf(lab, json());
  auto r = lab.run(test::ours("tuning"), "ADD", "t3", c.path(), conf);
  CHECK(r.rc != 0);
  CHECK_THAT(r.out, Catch::Contains("Required prevResult missing"));
  CHECK(state_of(c) == before);
}

TEST_CASE("tuning: DEL after the container is gone removes the backup", "[tuning]") {
  Lab lab;
  auto c = std::make_unique<test::TestNetns>("mc");
  auto prev = lab.attach(*c, "t4");
  auto conf = tuning_conf(lab, prev);
  REQUIRE(lab.run(test::ours("tuning"), "ADD", "t4", c->path(), conf).rc == 0);
  const std::string path = c->path();
  c.reset();
  auto r = lab.run(test::ours("tuning"), "DEL", "t4", path, conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(access((lab.data.path + "/tuning/t4_eth0.json").c_str(), F_OK) != 0);
  CHECK(lab.run(test::ours("tuning"), "DEL", "t4", path, conf).rc == 0);
}

TEST_CASE("tuning: MAC from CNI_ARGS, runtimeConfig and args.cni, in the reference's precedence", "[tuning]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "t5");
  json conf = lab.chained({{"type", "tuning"}, {"dataDir", lab.data.path + "/tuning"}, {"mac", "02:00:00:00:00:01"}}, prev);
  auto mac_after = [&](const json& cf, const std::string& cni_args) {
    auto r = lab.run(test::ours("tuning"), "ADD", "t5", c.path(), cf, "eth0", cni_args);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    auto mac = state_of(c).mac;
    REQUIRE(lab.run(test::ours("tuning"), "DEL", "t5", c.path(), cf).rc == 0);
    return mac;
  };
  CHECK(mac_after(conf, "") == "02:00:00:00:00:01");
  CHECK(mac_after(conf, "IgnoreUnknown=1;MAC=02:00:00:00:00:02") == "02:00:00:00:00:02");
  conf["runtimeConfig"]["mac"] = "02:00:00:00:00:03";
  CHECK(mac_after(conf, "IgnoreUnknown=1;MAC=02:00:00:00:00:02") == "02:00:00:00:00:03");
  conf["args"]["cni"]["mac"] = "02-00-00-00-00-04";  // Go's ParseMAC accepts dashes too
  CHECK(mac_after(conf, "IgnoreUnknown=1;MAC=02:00:00:00:00:02") == "02:00:00:00:00:04");
}

TEST_CASE("tuning: the sysctl allowlist file limits what a config may set", "[tuning]") {
  // The allowlist lives at /etc/cni/tuning/allowlist.conf. The plugin runs in a private mount
  // namespace whose /etc is an overlay, so the file exists for it alone.
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "t6");
  const bool host_had_allowlist = access("/etc/cni/tuning/allowlist.conf", F_OK) == 0;
  const std::string upper = lab.data / "etc-upper", work = lab.data / "etc-work";
  test::sh("mkdir -p " + upper + "/cni/tuning " + work);
  test::write_file(upper + "/cni/tuning/allowlist.conf", "^net\\.core\\.somaxconn$\n\n  ^net\\.ipv4\\.conf\\.IFNAME\\.rp_filter$  \n");
  auto run = [&](const json& sysctls) {
    auto conf = lab.chained({{"type", "tuning"}, {"dataDir", lab.data.path + "/tuning"}, {"sysctl", sysctls}}, prev);
    test::write_file(lab.data / "conf.json", conf.dump());
    auto script = "mount -t overlay overlay -o lowerdir=/etc,upperdir=" + upper + ",workdir=" + work +
                  " /etc && CNI_COMMAND=ADD CNI_CONTAINERID=t6 CNI_NETNS=" + c.path() +
                  " CNI_IFNAME=eth0 CNI_PATH=" + test::bin_dir() + " ip netns exec " + lab.host.name + " " +
                  test::ours("tuning") + " < " + lab.data / "conf.json";
    int rc = -1;
    auto out = test::sh("unshare -m --propagation private sh -c '" + script + "'", &rc);
    return std::make_pair(rc, out);
  };
  auto [ok_rc, ok_out] = run({{"net.core.somaxconn", "600"}, {"net.ipv4.conf.IFNAME.rp_filter", "1"}});
  INFO(ok_out);
  CHECK(ok_rc == 0);
  CHECK(trim(c.exec("cat /proc/sys/net/core/somaxconn")) == "600");
  // A new namespace inherits the host's ip_forward: compare with the value it had, and ask
  // for the other one, so a write that got through would show.
  const auto forward_before = trim(c.exec("cat /proc/sys/net/ipv4/ip_forward"));
  auto [bad_rc, bad_out] = run({{"net.ipv4.ip_forward", forward_before == "1" ? "0" : "1"}});
  CHECK(bad_rc != 0);
  CHECK_THAT(bad_out, Catch::Contains("Sysctl net.ipv4.ip_forward is not allowed"));
  CHECK(trim(c.exec("cat /proc/sys/net/ipv4/ip_forward")) == forward_before);
  // The host's /etc was not touched.
  CHECK((access("/etc/cni/tuning/allowlist.conf", F_OK) == 0) == host_had_allowlist);
}
