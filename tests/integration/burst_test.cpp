// A burst as a Mesos agent makes one (a Spark job's executors, a Marathon scale-up): 64
// tasks at once, each through a Mesos network config running cnipp-chain with bridge +
// ipMasq, portmap (one TCP and one UDP mapping per task), firewall and tuning, called the
// way the isolator calls (no cniVersion, bind-mounted ns file); then 64 DELs at once; and
// the same again, burst after burst. Every ADD and DEL must succeed although they all
// write the same bridge, the same nftables tables, the same lease store and cache at the
// same moment; addresses are unique; mapped ports reach their tasks; DEL leaves nothing.
#include <cctype>
#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "hostport_lab.hpp"
#include "mesos_lab.hpp"

using namespace hostport_test;
using mesos_test::MesosContainer;

namespace {

constexpr int kTcpBase = 20000, kUdpBase = 21000;

// `backend`: "nftables" (our default) or "iptables" (the reference's layout, asked for
// explicitly: the save/restore read-modify-write paths).
json burst_conf(const Lab& lab, const std::string& net, int task, const std::string& backend) {
  json bridge = lab.mesos_bridge();
  json portmap{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
  json firewall{{"type", "firewall"}};
  if (backend == "iptables") {
    bridge["ipMasqBackend"] = "iptables";
    portmap["backend"] = "iptables";
    firewall["backend"] = "iptables";
  }
  json plugins = json::array({bridge, portmap, firewall,
                              {{"type", "tuning"},
                               {"dataDir", lab.data.path + "/tuning"},
                               {"sysctl", {{"net.core.somaxconn", "1024"}}}}});
  json conf{{"name", net}, {"type", "cnipp-chain"}, {"cacheDir", lab.data.path + "/cache"}, {"plugins", plugins}};
  conf["args"]["org.apache.mesos"]["network_info"] = {
      {"name", net},
      {"port_mappings", json::array({{{"host_port", kTcpBase + task}, {"container_port", 80}, {"protocol", "tcp"}},
                                     {{"host_port", kUdpBase + task}, {"container_port", 53}, {"protocol", "udp"}}})}};
  return conf;
}

// Runs `command` for every task at the same moment, as the agent does for a burst.
std::vector<test::RunResult> all_at_once(const Lab& lab, const std::string& command, const std::string& net,
                                         const std::vector<std::unique_ptr<MesosContainer>>& tasks,
                                         const std::string& backend) {
  std::vector<test::RunResult> results(tasks.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < tasks.size(); ++i)
    threads.emplace_back([&, i] {
      test::Env env{{"CNI_COMMAND", command},
                    {"CNI_CONTAINERID", tasks[i]->id},
                    {"CNI_PATH", test::bin_dir()},
                    {"CNI_IFNAME", "eth0"},
                    {"CNI_NETNS", tasks[i]->ns_file},
                    {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
      results[i] = test::run("/usr/bin/ip", env, burst_conf(lab, net, static_cast<int>(i), backend).dump(),
                             {"netns", "exec", lab.host.name, test::ours("cnipp-chain")});
    });
  for (auto& t : threads) t.join();
  return results;
}

// Whether `text` names the address `ip` (and not merely a longer one it is a prefix of).
bool mentions(const std::string& text, const std::string& ip) {
  for (auto at = text.find(ip); at != std::string::npos; at = text.find(ip, at + 1)) {
    const auto end = at + ip.size();
    if (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) return true;
  }
  return false;
}

// Every rule either backend wrote on the host, as text.
std::string host_rules(const Lab& lab) {
  return lab.ruleset() + lab.host.exec("iptables-save 2>/dev/null; ip6tables-save 2>/dev/null");
}

// With the ASan build's binaries (test::sanitized()) a quarter of the tasks and one burst:
// that tier looks for memory errors on these paths, the plain one for the races (each
// ASan'd process costs several times a plain one, and 64 of them at once took minutes).
void bursts(const std::string& backend, int tasks_plain) {
  const int kTasks = test::sanitized() ? std::max(4, tasks_plain / 4) : tasks_plain;
  const int kRounds = test::sanitized() ? 1 : 2;
  Lab lab;
  const auto net = test::unique_name("bu");
  std::vector<std::unique_ptr<MesosContainer>> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back(std::make_unique<MesosContainer>());

  for (int round = 1; round <= kRounds; ++round) {
    INFO("burst " << round);
    std::vector<std::string> addresses(kTasks);
    auto added = all_at_once(lab, "ADD", net, tasks, backend);
    for (int i = 0; i < kTasks; ++i) {
      const auto& r = added[static_cast<size_t>(i)];
      INFO("ADD of task " << i << ": " << r.out << r.err);
      REQUIRE(r.rc == 0);
      // Mesos reads the 0.1.0 form: ip4.ip is the task's address.
      auto ip = r.json()["ip4"]["ip"].get<std::string>();
      addresses[static_cast<size_t>(i)] = ip.substr(0, ip.find('/'));
    }
    CHECK(std::set<std::string>(addresses.begin(), addresses.end()).size() == static_cast<size_t>(kTasks));

    // Each task holds its own address, and its two mappings are in the ruleset.
    const auto ruleset = host_rules(lab);
    const std::string dnat = backend == "iptables" ? "--to-destination " : "dnat ip to ";
    for (int i = 0; i < kTasks; ++i) {
      const auto& ip = addresses[static_cast<size_t>(i)];
      CHECK_THAT(tasks[static_cast<size_t>(i)]->netns.exec("ip -4 -o addr show dev eth0"), Catch::Contains(ip + "/"));
      CHECK(count(ruleset, dnat + ip + ":80\n") + count(ruleset, dnat + ip + ":80 ") == 1);
      CHECK(count(ruleset, dnat + ip + ":53\n") + count(ruleset, dnat + ip + ":53 ") == 1);
    }
    if (backend == "iptables") {
      // Each task's DNAT chain is entered from the shared CNI-HOSTPORT-DNAT: a restore that
      // re-declared (so flushed) the shared chain would leave the task's chain unreachable.
      size_t entries = 0;
      std::istringstream in(ruleset);
      for (std::string l; std::getline(in, l);)
        if (l.starts_with("-A CNI-HOSTPORT-DNAT ") && l.find(" -j CNI-DN-") != std::string::npos) ++entries;
      CHECK(entries == 2 * static_cast<size_t>(kTasks));  // one per protocol (tcp, udp) and task
    }
    // Mapped ports reach their tasks from another host on the LAN (every eighth task: the
    // rules of all were checked above, traffic shows the chain works end to end).
    for (int i = round - 1; i < kTasks; i += std::max(1, kTasks / 8)) {
      const auto name = "task" + std::to_string(i);
      Server task(tasks[static_cast<size_t>(i)]->netns.name, name, "80", "53");
      CHECK(who(tcp_from(lab.outside.name, kHostV4, kTcpBase + i)) == name);
      CHECK(who(udp_from(lab.outside.name, kHostV4, kUdpBase + i)) == name);
    }

    auto deleted = all_at_once(lab, "DEL", net, tasks, backend);
    for (int i = 0; i < kTasks; ++i) {
      const auto& r = deleted[static_cast<size_t>(i)];
      INFO("DEL of task " << i << ": " << r.out << r.err);
      CHECK(r.rc == 0);
    }
    // Nothing is left: no port on the bridge, no lease, no cache file, no sysctl backup,
    // no rule naming a task's address or container ID.
    CHECK(lab.host.exec("ip -j link show master " + lab.br + " 2>/dev/null || echo []") == "[]\n");
    for (const auto& f : test::list_dir(lab.data.path + "/ipam/" + net))
      CHECK((f == "lock" || f.rfind("last_reserved_ip", 0) == 0));
    CHECK(test::list_dir(lab.data.path + "/cache/results").empty());
    CHECK(test::list_dir(lab.data.path + "/tuning").empty());
    const auto after = host_rules(lab);
    for (int i = 0; i < kTasks; ++i) {
      CHECK_FALSE(mentions(after, addresses[static_cast<size_t>(i)]));
      CHECK_THAT(after, !Catch::Contains(tasks[static_cast<size_t>(i)]->id));
    }
  }
}

}  // namespace

TEST_CASE("burst: 64 Mesos tasks through cnipp-chain at once, then 64 DELs at once, twice: all succeed, nothing left",
          "[burst][cnipp-chain][mesos]") {
  bursts("nftables", 64);
}

TEST_CASE("burst, iptables backends: 16 tasks at once through cnipp-chain (masquerade, portmap, firewall in iptables), "
          "then 16 DELs, twice",
          "[burst][cnipp-chain][iptables]") {
  bursts("iptables", 16);
}
