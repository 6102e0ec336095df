// The crash sweep of crash_consistency_test.cpp over macvlan and ptp: the plugin (and its
// host-local, run in-process or exec'd) is SIGKILLed at every syscall of an ADD or a DEL
// (sanitizer builds: an even sample), then DEL runs as the runtime would after recovery,
// and nothing may be left: no link in the container or the host, no lease or index entry,
// no masquerade rule.
#include <unistd.h>

#include <algorithm>
#include <functional>

#include <catch2/catch.hpp>

#include "plugin_lab.hpp"
#include "syscall_kill.hpp"

using nlohmann::json;
using plugin_test::Lab;

namespace {

const long kMaxPoints = test::sanitized() ? 30 : 500;
long step_for(long points) { return std::max(1L, (points + kMaxPoints - 1) / kMaxPoints); }

struct Sweep {
  Lab lab;
  test::TestNetns ctr{"kc"};
  std::string binary;
  json conf;
  std::string network;

  test::KilledRun run(const std::string& cmd, const std::string& id, long kill_at) const {
    return test::run_killed_at(binary, test::cni_env(cmd, id, ctr.path(), "eth0", lab.ipam_path), conf.dump(), kill_at,
                               lab.host.path());
  }
  test::RunResult call(const std::string& cmd, const std::string& id) const {
    return lab.call(binary, cmd, id, ctr.path(), conf);
  }
  std::string leftovers() const {
    std::string out;
    if (!Lab::link(ctr, "eth0").is_null()) out += "container eth0 still exists\n";
    auto veths = lab.in_host("ip -o link show type veth | grep -v ' mm'");
    if (!veths.empty()) out += "host veths: " + veths;
    auto masq = lab.in_host("nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null");
    if (masq.find("comment") != std::string::npos) out += "masquerade rules: " + masq;
    for (const auto& f : lab.leases(network)) out += "lease: " + f + "\n";
    for (const auto& f : test::list_dir(lab.data / "ipam/.cnipp-index/" + network)) out += "index: " + f + "\n";
    return out;
  }
};

// ADD killed at syscall n for every n, each followed by the runtime's DEL.
void sweep_add(Sweep& s) {
  auto full = s.run("ADD", "k0", 0);
  INFO(full.out << full.err);
  REQUIRE(full.rc == 0);
  REQUIRE(s.call("DEL", "k0").rc == 0);
  REQUIRE(s.leftovers().empty());
  long killed = 0;
  for (long n = 1; n <= full.syscalls; n += step_for(full.syscalls)) {
    const std::string id = "k" + std::to_string(n);
    auto r = s.run("ADD", id, n);
    killed += r.killed ? 1 : 0;
    auto del = s.call("DEL", id);
    INFO("ADD killed at syscall " << n << " of " << full.syscalls << "; DEL: " << del.out << del.err);
    REQUIRE(del.rc == 0);
    REQUIRE(s.leftovers() == "");
  }
  CHECK(killed > full.syscalls / step_for(full.syscalls) / 2);
  WARN(s.binary << " ADD: " << full.syscalls << " syscalls, " << killed << " kill points");
}

// DEL killed at syscall n for every n, then DEL again.
void sweep_del(Sweep& s) {
  REQUIRE(s.call("ADD", "d0").rc == 0);
  auto full = s.run("DEL", "d0", 0);
  REQUIRE(full.rc == 0);
  REQUIRE(s.leftovers().empty());
  for (long n = 1; n <= full.syscalls; n += step_for(full.syscalls)) {
    const std::string id = "d" + std::to_string(n);
    auto add = s.call("ADD", id);
    INFO(add.out << add.err);
    REQUIRE(add.rc == 0);
    s.run("DEL", id, n);
    auto del = s.call("DEL", id);
    INFO("DEL killed at syscall " << n << " of " << full.syscalls << "; second DEL: " << del.out << del.err);
    REQUIRE(del.rc == 0);
    REQUIRE(s.leftovers() == "");
  }
}

void macvlan_sweep(Sweep& s) {
  s.binary = test::ours("macvlan");
  s.network = "kmv";
  s.lab.add_master("mm0");
  s.conf = {{"cniVersion", "1.0.0"}, {"name", s.network}, {"type", "macvlan"}, {"master", "mm0"},
            {"ipam", s.lab.host_local({"10.233.0.0/24"})}};
}

void ptp_sweep(Sweep& s) {
  s.binary = test::ours("ptp");
  s.network = "kptp";
  s.conf = {{"cniVersion", "1.0.0"}, {"name", s.network}, {"type", "ptp"}, {"ipMasq", true},
            {"ipam", s.lab.host_local({"10.234.0.0/24", "fd00:234::/64"})}};
}

}  // namespace

TEST_CASE("crash: macvlan ADD killed at every syscall, then DEL, leaves nothing", "[crash][macvlan]") {
  Sweep s;
  macvlan_sweep(s);
  sweep_add(s);
}

TEST_CASE("crash: macvlan DEL killed at every syscall, then DEL again, leaves nothing", "[crash][macvlan]") {
  Sweep s;
  macvlan_sweep(s);
  sweep_del(s);
}

TEST_CASE("crash: ptp ADD killed at every syscall, then DEL, leaves nothing", "[crash][ptp]") {
  Sweep s;
  ptp_sweep(s);
  sweep_add(s);
}

TEST_CASE("crash: ptp DEL killed at every syscall, then DEL again, leaves nothing", "[crash][ptp]") {
  Sweep s;
  ptp_sweep(s);
  sweep_del(s);
}
