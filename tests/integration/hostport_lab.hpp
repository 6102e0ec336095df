// Shared fixture for the port mapping tests (portmap, mesos-cni-port-mapper, interop): a
// throw-away "host" namespace in which the plugins run, an "outside" namespace joined to it
// by a veth (another machine on the LAN), containers attached with a bridge plugin, and
// probe servers/clients (tests/support/hostport_probe.py) that say who answered and whom
// they saw. Every namespace, link and process is removed on scope exit.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "harness.hpp"

extern char** environ;

namespace hostport_test {

using nlohmann::json;

// Addresses (only inside the test's own namespaces): the LAN between host and outside,
// and the bridge's subnets.
inline const std::string kHostV4 = "192.0.2.1", kOutV4 = "192.0.2.2";
inline const std::string kHostV6 = "2001:db8:214::1", kOutV6 = "2001:db8:214::2";
inline const std::string kSubnetV4 = "10.214.0.0/24", kSubnetV6 = "fd00:214::/64";
inline const std::string kGatewayV4 = "10.214.0.1", kGatewayV6 = "fd00:214::1";

inline std::string probe_script() { return std::string(CNIPP_SOURCE_DIR) + "/tests/support/hostport_probe.py"; }

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A probe server answering "NAME PEER" on the given TCP and UDP ports, in one namespace.
class Server {
 public:
  Server(const std::string& netns, const std::string& name, const std::string& tcp, const std::string& udp = "") {
    ready_ = "/tmp/cnipp-probe-" + test::unique_name("r");
    std::vector<std::string> argv{"/usr/bin/ip", "netns", "exec", netns, "python3", probe_script(), "serve", name,
                                  "--ready", ready_};
    if (!tcp.empty()) argv.insert(argv.end(), {"--tcp", tcp});
    if (!udp.empty()) argv.insert(argv.end(), {"--udp", udp});
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid_, cargv[0], nullptr, nullptr, cargv.data(), environ) == 0);
    // Python's start-up takes seconds on a loaded machine: wait for the ready file (bounded),
    // and never leave the server running when it does not come (a failed constructor runs no
    // destructor).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (access(ready_.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (access(ready_.c_str(), F_OK) != 0) {
      stop();
      FAIL("probe server " << name << " in " << netns << " did not become ready in 30 s");
    }
  }
  ~Server() { stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

 private:
  void stop() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    unlink(ready_.c_str());
  }

  pid_t pid_ = -1;
  std::string ready_;
};

// What a client got: "NAME PEER" from the server that answered, or "" when none did.
// The default timeouts are for answers that must come (generous: a loaded machine is slow);
// checks that expect no answer pass short ones.
inline std::string tcp_from(const std::string& netns, const std::string& host, int port, double timeout = 3.0) {
  return trim(test::sh("ip netns exec " + netns + " python3 " + probe_script() + " tcp " + host + " " +
                       std::to_string(port) + " --timeout " + std::to_string(timeout) + " 2>/dev/null"));
}
inline std::string udp_from(const std::string& netns, const std::string& host, int port, int sport = 0,
                            double timeout = 1.0, int tries = 3) {
  return trim(test::sh("ip netns exec " + netns + " python3 " + probe_script() + " udp " + host + " " +
                       std::to_string(port) + " --sport " + std::to_string(sport) + " --timeout " +
                       std::to_string(timeout) + " --tries " + std::to_string(tries) + " 2>/dev/null"));
}
// The first word of an answer: who answered.
inline std::string who(const std::string& answer) { return answer.substr(0, answer.find(' ')); }
// The second: the source address the server saw.
inline std::string seen(const std::string& answer) {
  auto sp = answer.find(' ');
  return sp == std::string::npos ? "" : answer.substr(sp + 1);
}

struct Lab {
  test::TestNetns host{"ph"};
  test::TestNetns outside{"po"};
  test::TempDir data;
  std::string br = test::unique_name("pb");
  std::string uplink = test::unique_name("pu");  // the host's end of the LAN veth

  Lab() {
    const std::string peer = test::unique_name("pv");
    int rc = 0;
    test::sh("ip -n " + host.name + " link add " + uplink + " type veth peer name " + peer + " netns " + outside.name, &rc);
    REQUIRE(rc == 0);
    host.exec("ip addr add " + kHostV4 + "/24 dev " + uplink);
    host.exec("ip addr add " + kHostV6 + "/64 dev " + uplink + " nodad");
    host.exec("ip link set " + uplink + " up");
    outside.exec("ip link set " + peer + " name eth0");
    outside.exec("ip addr add " + kOutV4 + "/24 dev eth0");
    outside.exec("ip addr add " + kOutV6 + "/64 dev eth0 nodad");
    outside.exec("ip link set eth0 up");
    outside.exec("ip route add default via " + kHostV4);
    outside.exec("ip -6 route add default via " + kHostV6);
    // The LAN may also reach the bridge's subnets through the host (a routed setup), which
    // lets tests address the host's other local addresses and containers directly.
    host.exec("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
  }

  // Our bridge (or another one) + host-local on the lab's subnets, in `version`.
  json bridge_conf(const std::string& version = "1.0.0", const std::string& network = "pmnet") const {
    return {{"cniVersion", version},
            {"name", network},
            {"type", "bridge"},
            {"bridge", br},
            {"isDefaultGateway", true},
            // Podman's and Mesos's bridge configs set it: with br_netfilter (often loaded,
            // built in here) a container's hairpin connection to itself is bridged back
            // out of the port it came in on.
            {"hairpinMode", true},
            {"ipam",
             {{"type", "host-local"},
              {"dataDir", data.path + "/ipam"},
              {"ranges", json::array({json::array({{{"subnet", kSubnetV4}}}), json::array({{{"subnet", kSubnetV6}}})})}}}};
  }

  // The bridge a Mesos agent's network config delegates to (no cniVersion: the chain's):
  // gateway, ipMasq, hairpin, host-local on the lab's IPv4 subnet with a default route.
  json mesos_bridge() const {
    return {{"type", "bridge"},
            {"bridge", br},
            {"isGateway", true},
            {"ipMasq", true},
            {"hairpinMode", true},
            {"ipam",
             {{"type", "host-local"},
              {"subnet", kSubnetV4},
              {"dataDir", data.path + "/ipam"},
              {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}};
  }

  // Runs `binary` for one command inside the host namespace.
  test::RunResult run(const std::string& binary, const std::string& cmd, const std::string& id,
                      const std::string& netns, const json& conf, const std::string& ifname = "eth0",
                      const std::string& cni_path = "") const {
    auto env = test::cni_env(cmd, id, netns, ifname, cni_path.empty() ? test::bin_dir() : cni_path);
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, binary});
  }

  // Attaches `ctr` with a bridge (ours unless `bridge_bin` says otherwise); its result.
  json attach(const test::TestNetns& ctr, const std::string& id, const std::string& bridge_bin = "",
              const std::string& network = "pmnet", const std::string& ifname = "eth0") const {
    auto conf = bridge_conf("1.0.0", network);
    auto r = run(bridge_bin.empty() ? test::ours("bridge") : bridge_bin, "ADD", id, ctr.path(), conf, ifname,
                 bridge_bin.empty() ? "" : std::string(CNIPP_REFERENCE_DIR));
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    settle(ctr);
    return r.json();
  }

  // Waits (bounded) until no IPv6 address on the bridge or in the container is still doing
  // duplicate address detection: a tentative gateway drops the first IPv6 connection.
  void settle(const test::TestNetns& ctr) const {
    for (int i = 0; i < 300; ++i) {
      if (host.exec("ip -6 addr show tentative").empty() && ctr.exec("ip -6 addr show tentative").empty()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // A portmap config chained after `prev`.
  static json portmap_conf(const json& prev, const json& mappings, const std::string& network = "pmnet",
                           const std::string& version = "1.0.0") {
    json c{{"cniVersion", version}, {"name", network}, {"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
    c["runtimeConfig"]["portMappings"] = mappings;
    if (!prev.is_null()) c["prevResult"] = prev;
    return c;
  }

  // The container's first address of a family in a result ("10.214.0.2").
  static std::string addr(const json& result, int family) {
    for (const auto& ip : result["ips"]) {
      auto a = ip["address"].get<std::string>();
      if ((a.find(':') != std::string::npos) == (family == 6)) return a.substr(0, a.find('/'));
    }
    return "";
  }

  std::string ruleset() const { return host.exec("nft list ruleset 2>/dev/null"); }
  std::string nat_rules(const std::string& chain) const {
    return host.exec("nft list chain inet cnipp_hostport " + chain + " 2>/dev/null");
  }
  std::string iptables_nat(bool v6 = false) const {
    return host.exec(std::string(v6 ? "ip6tables" : "iptables") + "-save -t nat 2>/dev/null");
  }
};

// How many times `needle` occurs in `text`.
inline size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

}  // namespace hostport_test
