// A Mesos agent, or the node under it, can die while a plugin runs; after recovery the
// runtime runs DEL for every container it knew of. These tests SIGKILL the bridge plugin and
// its host-local child at every syscall of an ADD (or a DEL), as the kernel's OOM killer or
// a crash would, then run DEL the way the runtime does and check that nothing is left: no
// veth, no lease, no index entry or temp file, no masquerade rule, and that the address
// can be handed out again.
#include <unistd.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "bridge_lab.hpp"
#include "syscall_kill.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {

// Kill points per sweep. An ADD is about 430 syscalls in a normal build: every one is a kill
// point. Sanitizer builds make many more, and slower, syscalls; their run is about memory
// safety, so there an evenly spread sample is taken.
const long kMaxPoints = test::sanitized() ? 40 : 500;

struct CrashLab {
  Lab lab{test::ours("bridge")};
  test::TestNetns ctr{"ck"};
  json conf;

  CrashLab() {
    conf = lab.conf({"10.213.0.0/24", "fd00:213::/64"});
    conf["isGateway"] = true;
    conf["ipMasq"] = true;
  }

  test::KilledRun run(const std::string& cmd, const std::string& id, long kill_at) const {
    return test::run_killed_at(lab.binary, test::cni_env(cmd, id, ctr.path(), "eth0", lab.ipam_path), conf.dump(),
                               kill_at, lab.host.path());
  }

  // Everything an attachment can leave, in one shell round trip per check.
  std::string leftovers() const {
    std::string out;
    auto veths = test::sh("ip -n " + lab.host.name + " -o link show type veth");
    if (!veths.empty()) out += "host veths: " + veths;
    if (!json::parse(test::sh("ip -n " + ctr.name + " -j link show dev eth0 2>/dev/null || echo []")).empty())
      out += "container eth0 still exists\n";
    auto masq = lab.in_host("nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null");
    if (masq.find("comment") != std::string::npos) out += "masquerade rules: " + masq;
    for (const auto& f : test::list_dir(lab.data / "ipam/brnet"))
      if (f != "lock" && f.rfind("last_reserved_ip.", 0) != 0) out += "lease dir: " + f + "\n";
    for (const auto& f : test::list_dir(lab.data / "ipam/.cnipp-index/brnet")) out += "index: " + f + "\n";
    return out;
  }
  // After `ip netns del` the kernel tears the namespace down on a workqueue, and the host
  // end of a veth whose peer lived there goes some milliseconds later: wait (bounded) for
  // that, so the check is about what DEL left, not about the kernel's pace.
  std::string leftovers_after_netns_teardown() const {
    std::string out;
    for (int i = 0; i < 60; ++i) {
      out = leftovers();
      if (out.rfind("host veths: ", 0) != 0) break;
      usleep(50 * 1000);
    }
    return out;
  }
};

long step_for(long points) { return std::max(1L, (points + kMaxPoints - 1) / kMaxPoints); }

}  // namespace

TEST_CASE("crash: bridge ADD killed at every syscall, then DEL, leaves nothing and frees the address",
          "[crash][bridge]") {
  CrashLab c;
  // One whole ADD counts the kill points; its addresses are the ones to hand out again.
  auto full = c.run("ADD", "k0", 0);
  INFO(full.out << full.err);
  REQUIRE(full.rc == 0);
  REQUIRE_FALSE(full.killed);
  const auto first_v4 = json::parse(full.out)["ips"][0]["address"].get<std::string>();
  REQUIRE(c.lab.del(c.ctr, c.conf, "k0").rc == 0);
  REQUIRE(c.leftovers().empty());

  const long points = full.syscalls;
  long killed = 0;
  for (long n = 1; n <= points; n += step_for(points)) {
    const std::string id = "k" + std::to_string(n);
    auto r = c.run("ADD", id, n);
    killed += r.killed ? 1 : 0;
    auto del = c.lab.del(c.ctr, c.conf, id);
    INFO("ADD killed at syscall " << n << " of " << points << " (killed: " << r.killed << ")");
    INFO("DEL: " << del.out << del.err);
    REQUIRE(del.rc == 0);
    REQUIRE(c.leftovers() == "");
  }
  CHECK(killed > points / step_for(points) / 2);  // the sweep really killed ADDs
  WARN("ADD: " << points << " syscalls, " << killed << " kill points");

  // The first address of the range is free again: a new ADD asking for it gets it.
  auto ip = first_v4.substr(0, first_v4.find('/'));
  auto again = c.lab.add(c.ctr, c.conf, "after", "eth0", "IgnoreUnknown=1;IP=" + ip);
  INFO(again.out << again.err);
  REQUIRE(again.rc == 0);
  CHECK(again.json()["ips"][0]["address"] == first_v4);
  CHECK(c.lab.del(c.ctr, c.conf, "after").rc == 0);
  CHECK(c.leftovers().empty());
}

TEST_CASE("crash: bridge DEL killed at every syscall, then DEL again, leaves nothing", "[crash][bridge]") {
  CrashLab c;
  REQUIRE(c.lab.add(c.ctr, c.conf, "d0").rc == 0);
  auto full = c.run("DEL", "d0", 0);
  REQUIRE(full.rc == 0);
  REQUIRE(c.leftovers().empty());

  const long points = full.syscalls;
  for (long n = 1; n <= points; n += step_for(points)) {
    const std::string id = "d" + std::to_string(n);
    auto add = c.lab.add(c.ctr, c.conf, id);
    INFO(add.out << add.err);
    REQUIRE(add.rc == 0);
    c.run("DEL", id, n);
    auto del = c.lab.del(c.ctr, c.conf, id);
    INFO("DEL killed at syscall " << n << " of " << points << "; second DEL: " << del.out << del.err);
    REQUIRE(del.rc == 0);
    REQUIRE(c.leftovers() == "");
  }
}

TEST_CASE("crash: DEL after an operator removed the bridge or the lease directory by hand", "[crash][bridge]") {
  CrashLab c;
  SECTION("bridge deleted: its ports fall off, DEL still removes the veth, rules and lease") {
    REQUIRE(c.lab.add(c.ctr, c.conf, "h1").rc == 0);
    c.lab.in_host("ip link del " + c.lab.br);
    auto del = c.lab.del(c.ctr, c.conf, "h1");
    INFO(del.out << del.err);
    CHECK(del.rc == 0);
    CHECK(c.leftovers() == "");
  }
  SECTION("lease directory deleted: DEL still removes the veth and rules") {
    REQUIRE(c.lab.add(c.ctr, c.conf, "h2").rc == 0);
    test::sh("rm -rf " + c.lab.data / "ipam");
    auto del = c.lab.del(c.ctr, c.conf, "h2");
    INFO(del.out << del.err);
    CHECK(del.rc == 0);
    CHECK(c.leftovers() == "");
  }
  SECTION("container netns deleted first") {
    test::TestNetns gone("ck");
    REQUIRE(c.lab.add(gone, c.conf, "h3").rc == 0);
    const auto path = gone.path();
    test::sh("ip netns del " + gone.name);
    auto del = c.lab.call("DEL", "h3", path, c.conf);
    INFO(del.out << del.err);
    CHECK(del.rc == 0);
    CHECK(c.leftovers_after_netns_teardown() == "");
  }
  // Whatever was removed, the network works again afterwards.
  auto again = c.lab.add(c.ctr, c.conf, "h4");
  INFO(again.out << again.err);
  CHECK(again.rc == 0);
  CHECK(c.lab.del(c.ctr, c.conf, "h4").rc == 0);
}
