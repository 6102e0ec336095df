// portmap and mesos-cni-port-mapper killed (SIGKILL, with every process they started) at
// every system call of an ADD or a DEL, then DEL run again the way a runtime recovers:
// nothing of the attachment may be left, no rule in either backend, and for the port
// mapper no veth, lease or masquerade rule of its bridge delegate either.
#include <algorithm>

#include <catch2/catch.hpp>

#include "hostport_lab.hpp"
#include "syscall_kill.hpp"

using namespace hostport_test;

namespace {

// Kill points per sweep: every syscall up to this many, else an even sample. Sanitizer
// builds are about memory safety and make many more, slower syscalls.
const long kMaxPoints = test::sanitized() ? 30 : 150;
long step_for(long points) { return std::max(1L, (points + kMaxPoints - 1) / kMaxPoints); }

json prev_dual() {
  return json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],
    "ips":[{"interface":0,"address":"10.214.0.2/24"},{"interface":0,"address":"fd00:214::2/64"}]})");
}

struct Sweep {
  Lab lab;
  std::string binary;
  json conf;
  std::string netns = "/var/run/netns/x";

  test::KilledRun run(const std::string& cmd, const std::string& id, long kill_at) const {
    return test::run_killed_at(binary, test::cni_env(cmd, id, netns, "eth0"), conf.dump(), kill_at, lab.host.path());
  }
  test::RunResult del(const std::string& id) const { return lab.run(binary, "DEL", id, netns, conf); }

  std::string leftovers(const std::string& id) const {
    std::string out;
    auto table = lab.host.exec("nft list table inet cnipp_hostport 2>/dev/null");
    if (table.find("id: " + id + "\"") != std::string::npos) out += "nft rules of " + id + "\n";
    if (lab.iptables_nat().find("CNI-DN-") != std::string::npos) out += "iptables chains\n";
    if (!lab.host.exec("ip -o link show master " + lab.br + " 2>/dev/null").empty()) out += "bridge ports\n";
    if (lab.host.exec("nft list table inet cni_plugins_masquerade 2>/dev/null").find(id) != std::string::npos)
      out += "masquerade rules\n";
    for (const auto& f : test::list_dir(lab.data / "ipam/pmnet"))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out += "lease " + f + "\n";
    return out;
  }

  // ADD killed at every point, then DEL: nothing left, and the DEL always succeeds.
  void sweep_add() {
    auto full = run("ADD", "k0", 0);
    INFO(full.out << full.err);
    REQUIRE(full.rc == 0);
    REQUIRE(del("k0").rc == 0);
    REQUIRE(leftovers("k0") == "");
    long killed = 0;
    const long points = full.syscalls;
    for (long n = 1; n <= points; n += step_for(points)) {
      const auto id = "k" + std::to_string(n);
      auto r = run("ADD", id, n);
      killed += r.killed;
      auto d = del(id);
      INFO("ADD killed at syscall " << n << " of " << points << "; DEL: " << d.out << d.err);
      REQUIRE(d.rc == 0);
      REQUIRE(leftovers(id) == "");
    }
    CHECK(killed > 0);
    WARN(binary << " ADD: " << points << " syscalls");
  }

  // ADD, DEL killed at every point, DEL again: nothing left.
  void sweep_del() {
    REQUIRE(run("ADD", "d0", 0).rc == 0);
    auto full = run("DEL", "d0", 0);
    REQUIRE(full.rc == 0);
    const long points = full.syscalls;
    for (long n = 1; n <= points; n += step_for(points)) {
      const auto id = "d" + std::to_string(n);
      auto a = lab.run(binary, "ADD", id, netns, conf);
      INFO(a.out << a.err);
      REQUIRE(a.rc == 0);
      run("DEL", id, n);
      auto d = del(id);
      INFO("DEL killed at syscall " << n << " of " << points << "; second DEL: " << d.out << d.err);
      REQUIRE(d.rc == 0);
      REQUIRE(leftovers(id) == "");
    }
  }
};

}  // namespace

TEST_CASE("crash: portmap ADD and DEL killed at every syscall, then DEL, leave no rule", "[crash][portmap]") {
  for (const char* backend : {"nftables", "iptables"}) {
    DYNAMIC_SECTION(backend) {
      Sweep s;
      s.binary = test::ours("portmap");
      s.conf = Lab::portmap_conf(prev_dual(), json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}},
                                                           {{"hostPort", 5353}, {"containerPort", 53}, {"protocol", "udp"}}}));
      s.conf["backend"] = backend;
      s.sweep_add();
      s.sweep_del();
    }
  }
}

TEST_CASE("crash: mesos-cni-port-mapper (bridge delegate in-process) killed at every syscall, then DEL", "[crash][mesos]") {
  Sweep s;
  s.binary = test::ours("mesos-cni-port-mapper");
  test::TestNetns ctr("kc");
  s.netns = ctr.path();
  auto br = s.lab.bridge_conf("1.0.0", "pmnet");
  br["ipMasq"] = true;
  br.erase("cniVersion");
  br.erase("name");
  s.conf = {{"name", "pmnet"},
            {"type", "mesos-cni-port-mapper"},
            {"chain", "MESOS-CRASH"},
            {"excludeDevices", json::array({s.lab.br})},
            {"delegate", br},
            {"args", {{"org.apache.mesos", {{"network_info", {{"port_mappings", json::array({{{"host_port", 8080}, {"container_port", 80}}})}}}}}}}};
  s.sweep_add();
  s.sweep_del();
}
