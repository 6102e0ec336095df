// cnipp-bench: times CNI plugin binaries (ours against Debian's reference plugins) through
// the CNI protocol, in throw-away network namespaces, and prints a table plus raw JSON.
// Each exec is timed from spawn to wait4 with CLOCK_MONOTONIC; wait4's rusage gives the
// child's user+sys CPU; peak RSS comes from a pass through cnipp-rss-probe. Nothing here
// passes or fails: it measures.
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Sample {
  double ms = 0, cpu_ms = 0;
  int rc = 0;
  std::string out;
};

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int sh(const std::string& cmd) { return std::system(cmd.c_str()); }

// Starts argv[0] with env + stdin; returns pid and the read end of its stdout. posix_spawn
// (vfork-like), not fork: a fork of this driver would copy its page tables, a cost of the
// caller's size that lands in the timed span of whichever plugin is measured.
pid_t start(const std::vector<std::string>& args, const std::vector<std::string>& env, const std::string& input,
            int* out_fd) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) std::abort();
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) std::abort();
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  ssize_t w = write(in[1], input.data(), input.size());
  (void)w;
  close(in[1]);
  *out_fd = out[0];
  return pid;
}

Sample finish(pid_t pid, int out_fd, double t0) {
  Sample s;
  char buf[8192];
  ssize_t n;
  while ((n = read(out_fd, buf, sizeof buf)) > 0) s.out.append(buf, static_cast<size_t>(n));
  close(out_fd);
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  s.ms = now_ms() - t0;
  s.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  s.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return s;
}

Sample run(const std::string& bin, const std::vector<std::string>& env, const std::string& input) {
  int fd;
  double t0 = now_ms();
  pid_t pid = start({bin}, env, input, &fd);
  return finish(pid, fd, t0);
}

// cnipp-rss-probe, next to this driver.
std::string rss_probe() { return (fs::read_symlink("/proc/self/exe").parent_path() / "cnipp-rss-probe").string(); }

// Runs `bin` through the probe and returns its peak RSS in KiB (0 when it failed).
long peak_rss_kb(const std::string& bin, const std::vector<std::string>& env, const std::string& input) {
  int rss_pipe[2];
  if (pipe(rss_pipe) != 0) std::abort();
  int fd;
  pid_t pid = start({rss_probe(), std::to_string(rss_pipe[1]), bin}, env, input, &fd);
  close(rss_pipe[1]);
  Sample s = finish(pid, fd, now_ms());
  char buf[32] = {};
  ssize_t n = read(rss_pipe[0], buf, sizeof buf - 1);
  close(rss_pipe[0]);
  return s.rc == 0 && n > 0 ? std::atol(buf) : 0;
}

std::vector<std::string> cni_env(const std::string& cmd, const std::string& id, const std::string& netns,
                                 const std::string& path) {
  return {"CNI_COMMAND=" + cmd, "CNI_CONTAINERID=" + id, "CNI_NETNS=" + netns, "CNI_IFNAME=eth0",
          "CNI_PATH=" + path,   "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
}

struct Stats {
  double median = 0, p90 = 0, p99 = 0, max = 0, mean_cpu = 0;
  // Peak RSS (bridge ADD only, from the probe pass) varies run to run with where ASLR puts
  // the mappings (the kernel maps file pages around each fault in aligned blocks): the median
  // of the runs' peaks is the figure, the max shows the spread.
  long median_rss = 0, max_rss = 0;
  size_t n = 0, failures = 0;
  std::vector<double> samples;  // every successful run, sorted (the JSON keeps them for plots)
};

Stats stats(const std::vector<Sample>& v) {
  Stats s;
  std::vector<double> t;
  double cpu = 0;
  for (const auto& x : v) {
    if (x.rc != 0) {
      ++s.failures;
      continue;
    }
    t.push_back(x.ms);
    cpu += x.cpu_ms;
  }
  s.n = t.size();
  if (t.empty()) return s;
  std::sort(t.begin(), t.end());
  auto at = [&](double q) { return t[std::min(t.size() - 1, static_cast<size_t>(q * static_cast<double>(t.size())))]; };
  s.median = at(0.5);
  s.p90 = at(0.9);
  s.p99 = at(0.99);
  s.max = t.back();
  s.mean_cpu = cpu / static_cast<double>(t.size());
  s.samples = std::move(t);
  return s;
}

json to_json(const Stats& s) {
  return {{"median_ms", s.median}, {"p90_ms", s.p90}, {"p99_ms", s.p99}, {"max_ms", s.max}, {"samples_ms", s.samples},
          {"cpu_ms", s.mean_cpu},  {"median_rss_kb", s.median_rss}, {"max_rss_kb", s.max_rss}, {"n", s.n}, {"failures", s.failures}};
}

struct Side {
  std::string name, path;  // CNI_PATH holding bridge/host-local/ipvlan
};

json g_out = json::object();

void row(const std::string& what, const Stats& ours, const Stats& ref, const std::string& target = "") {
  double ratio = ours.median > 0 ? ref.median / ours.median : 0;
  std::printf("%-44s %9.2f %9.2f %9.2f | %9.2f %9.2f %9.2f | %6.1fx %s\n", what.c_str(), ours.median, ours.p90, ours.max,
              ref.median, ref.p90, ref.max, ratio, target.c_str());
  g_out["rows"].push_back({{"what", what}, {"ours", to_json(ours)}, {"reference", to_json(ref)}, {"speedup", ratio},
                           {"target", target}});
}

void header(const std::string& title) {
  std::printf("\n%s\n%-44s %9s %9s %9s | %9s %9s %9s | %7s\n", title.c_str(), "ms (wall)", "ours p50", "p90", "max",
              "ref p50", "p90", "max", "speedup");
}

// One container namespace per iteration, created and removed outside the timed sections.
std::string make_ns(const std::string& name) {
  sh("ip netns add " + name + " 2>/dev/null");
  return "/var/run/netns/" + name;
}
// The kernel tears a namespace down after `ip netns del` has returned, in a worker
// (cleanup_net: under the RTNL, then an rcu_barrier; ~20 ms here, 46 at most seen). A DEL
// running meanwhile waits for both: its link deletion's rcu_barrier queues behind the
// worker's. Without a pause the next sample's DELs land in it only when its ADDs were quick,
// which taxed the faster side alone.
void drop_ns(const std::string& name) {
  sh("ip netns del " + name + " 2>/dev/null");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

std::string bridge_conf(const std::string& net, const std::string& br, const std::string& subnet,
                        const std::string& data, bool masq) {
  return json({{"cniVersion", "1.0.0"}, {"name", net}, {"type", "bridge"}, {"bridge", br}, {"isGateway", true},
               {"ipMasq", masq},
               {"ipam", {{"type", "host-local"}, {"dataDir", data}, {"subnet", subnet},
                         {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}})
      .dump();
}

std::pair<Stats, Stats> bench_bridge(const Side& side, bool masq, int reps, const std::string& data, int idx) {
  std::vector<Sample> adds, dels;
  auto conf = bridge_conf("bn" + std::to_string(idx), "bbr" + std::to_string(idx),
                          "10.24" + std::to_string(idx) + ".0.0/16", data, masq);
  for (int i = 0; i < reps; ++i) {
    auto name = "cb-" + std::to_string(getpid()) + "-" + std::to_string(i);
    auto path = make_ns(name);
    auto id = "bench" + std::to_string(i);
    adds.push_back(run(side.path + "/bridge", cni_env("ADD", id, path, side.path), conf));
    dels.push_back(run(side.path + "/bridge", cni_env("DEL", id, path, side.path), conf));
    drop_ns(name);
  }
  // Peak RSS in a separate pass: it needs the probe, which would add its own exec to timings.
  std::vector<long> rss;
  for (int i = 0; i < std::min(reps, 20); ++i) {
    auto name = "cr-" + std::to_string(getpid()) + "-" + std::to_string(i);
    auto path = make_ns(name);
    auto id = "rss" + std::to_string(i);
    if (long kb = peak_rss_kb(side.path + "/bridge", cni_env("ADD", id, path, side.path), conf)) rss.push_back(kb);
    run(side.path + "/bridge", cni_env("DEL", id, path, side.path), conf);
    drop_ns(name);
  }
  auto add_stats = stats(adds);
  std::sort(rss.begin(), rss.end());
  add_stats.median_rss = rss.empty() ? 0 : rss[rss.size() / 2];
  add_stats.max_rss = rss.empty() ? 0 : rss.back();
  return {add_stats, stats(dels)};
}

// host-local with `existing` leases written as files (the on-disk format both share).
std::pair<Stats, Stats> bench_host_local(const Side& side, int reps, int existing, const std::string& data) {
  std::string net = "hl" + std::to_string(existing);
  fs::remove_all(data + "/" + net);
  fs::create_directories(data + "/" + net);
  // 10.250.0.0/16 from .0.2 upwards; the next free address follows them.
  for (int i = 0; i < existing; ++i) {
    auto ip = "10.250." + std::to_string((i + 2) / 256) + "." + std::to_string((i + 2) % 256);
    std::ofstream(data + "/" + net + "/" + ip) << "pre" << i << "\r\neth0";
  }
  if (existing)
    std::ofstream(data + "/" + net + "/last_reserved_ip.0")
        << "10.250." << (existing + 1) / 256 << "." << (existing + 1) % 256;
  auto conf = json({{"cniVersion", "1.0.0"}, {"name", net},
                    {"ipam", {{"type", "host-local"}, {"dataDir", data}, {"subnet", "10.250.0.0/16"}}}})
                  .dump();
  std::vector<Sample> adds, pairs;
  for (int i = 0; i < reps; ++i) {
    auto id = "hl" + std::to_string(i);
    double t0 = now_ms();
    auto a = run(side.path + "/host-local", cni_env("ADD", id, "/dev/null", side.path), conf);
    auto d = run(side.path + "/host-local", cni_env("DEL", id, "/dev/null", side.path), conf);
    adds.push_back(a);
    Sample p = a;
    p.ms = now_ms() - t0;
    p.rc = a.rc | d.rc;
    pairs.push_back(p);
  }
  return {stats(adds), stats(pairs)};
}

struct Conc {
  double add_wall = 0, del_wall = 0;
  Stats add, del;
  bool unique = true, clean = true;
};

Conc bench_concurrent(const Side& side, int n, const std::string& data, int idx) {
  Conc c;
  auto net = "cc" + std::to_string(idx);
  auto conf = bridge_conf(net, "cbr" + std::to_string(idx), "10.23" + std::to_string(idx) + ".0.0/16", data, false);
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    names.push_back("cc-" + std::to_string(getpid()) + "-" + std::to_string(i));
    make_ns(names.back());
  }
  for (const char* cmd : {"ADD", "DEL"}) {
    std::vector<std::pair<pid_t, int>> procs;
    std::vector<double> starts;
    double t0 = now_ms();
    for (int i = 0; i < n; ++i) {
      int fd;
      starts.push_back(now_ms());
      procs.emplace_back(start({side.path + "/bridge"},
                               cni_env(cmd, "cc" + std::to_string(i), "/var/run/netns/" + names[static_cast<size_t>(i)], side.path),
                               conf, &fd),
                         fd);
    }
    std::vector<Sample> samples;
    for (size_t i = 0; i < procs.size(); ++i) samples.push_back(finish(procs[i].first, procs[i].second, starts[i]));
    for (const auto& s : samples)
      if (s.rc != 0) std::printf("  %s %s failed (rc %d): %s\n", side.name.c_str(), cmd, s.rc, s.out.c_str());
    double wall = now_ms() - t0;
    if (std::string(cmd) == "ADD") {
      c.add_wall = wall;
      c.add = stats(samples);
      std::set<std::string> ips;
      for (const auto& s : samples) {
        try {
          auto j = json::parse(s.out);
          if (!ips.insert(j["ips"][0]["address"].get<std::string>()).second) c.unique = false;
        } catch (...) {
          c.unique = false;
        }
      }
    } else {
      c.del_wall = wall;
      c.del = stats(samples);
    }
  }
  for (const auto& e : fs::directory_iterator(data + "/" + net))
    if (e.path().filename() != "lock" && e.path().filename().string().rfind("last_reserved", 0) != 0) c.clean = false;
  for (const auto& nm : names) drop_ns(nm);
  return c;
}

// The kernel floor: the same link work done directly over netlink, in-process.
std::pair<Stats, Stats> kernel_floor(int reps) {
  std::vector<Sample> adds, dels;
  cni::Netlink host = cni::Netlink::open();
  host.create_bridge("kfbr0", 0, false);
  auto br = host.link("kfbr0");
  for (int i = 0; i < reps; ++i) {
    auto name = "kf-" + std::to_string(getpid()) + "-" + std::to_string(i);
    make_ns(name);
    auto ns = cni::Netns::open("/var/run/netns/" + name);
    double t0 = now_ms();
    auto cont = cni::Netlink::open_in(ns);
    auto self = cni::Netns::current();
    auto veth = cni::random_veth_name();
    cont.create_veth("eth0", veth, self.fd(), 0, std::nullopt);
    auto hl = host.link(veth);
    host.set_up(hl->index);
    host.set_master(hl->index, br->index);
    auto cl = cont.link("eth0");
    cont.add_address(cl->index, *cni::Cidr::parse("10.249.0." + std::to_string(2 + i % 200) + "/16"));
    cont.set_up(cl->index);
    cni::RouteEntry r;
    r.dst = *cni::Cidr::parse("0.0.0.0/0");
    r.gw = cni::IpAddr::parse("10.249.0.1");
    r.oif = cl->index;
    cont.add_route(r);
    Sample a;
    a.ms = now_ms() - t0;
    adds.push_back(a);
    double t1 = now_ms();
    auto cont2 = cni::Netlink::open_in(ns);
    cont2.delete_link("eth0");
    Sample d;
    d.ms = now_ms() - t1;
    dels.push_back(d);
    drop_ns(name);
  }
  host.delete_link(br->index);
  return {stats(adds), stats(dels)};
}

std::pair<Stats, Stats> bench_ipvlan(const Side& side, int reps, const std::string& data) {
  sh("ip link add bmaster0 type dummy 2>/dev/null; ip link set bmaster0 up");
  auto conf = json({{"cniVersion", "1.0.0"}, {"name", "ipv"}, {"type", "ipvlan"}, {"master", "bmaster0"},
                    {"ipam", {{"type", "host-local"}, {"dataDir", data}, {"subnet", "10.248.0.0/16"}}}})
                  .dump();
  std::vector<Sample> adds, dels;
  for (int i = 0; i < reps; ++i) {
    auto name = "iv-" + std::to_string(getpid()) + "-" + std::to_string(i);
    auto path = make_ns(name);
    adds.push_back(run(side.path + "/ipvlan", cni_env("ADD", "iv" + std::to_string(i), path, side.path), conf));
    dels.push_back(run(side.path + "/ipvlan", cni_env("DEL", "iv" + std::to_string(i), path, side.path), conf));
    drop_ns(name);
  }
  return {stats(adds), stats(dels)};
}

// A conflist's work for one container with published ports: bridge + host-local, then
// portmap with the bridge's result and 4 mappings (tcp and udp, IPv4); DEL in reverse. Each
// sample is the sum of the two plugins' spans (the runtime between them is not ours to time).
struct ChainStats {
  Stats add, del, pm_add, pm_del;
};
// `udp`: the third mapping is UDP, which makes both portmaps flush that port's conntrack
// entries (a walk of the kernel's whole conntrack hash; the reference walks it per family).
ChainStats bench_portmap_chain(const Side& side, int reps, const std::string& data, int idx, bool udp) {
  auto conf = bridge_conf("pn" + std::to_string(idx), "pbr" + std::to_string(idx),
                          "10.23" + std::to_string(idx) + ".0.0/16", data, true);
  const json mappings = json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}},
                                     {{"hostPort", 8443}, {"containerPort", 443}, {"protocol", "tcp"}},
                                     {{"hostPort", 5353}, {"containerPort", 53}, {"protocol", udp ? "udp" : "tcp"}},
                                     {{"hostPort", 9000}, {"containerPort", 9000}, {"protocol", "tcp"}}});
  std::vector<Sample> adds, dels, pm_adds, pm_dels;
  for (int i = 0; i < reps; ++i) {
    auto name = "cp-" + std::to_string(getpid()) + "-" + std::to_string(i);
    auto path = make_ns(name);
    auto id = "pm" + std::to_string(i);
    auto br = run(side.path + "/bridge", cni_env("ADD", id, path, side.path), conf);
    json pm{{"cniVersion", "1.0.0"}, {"name", "pn" + std::to_string(idx)}, {"type", "portmap"},
            {"capabilities", {{"portMappings", true}}}, {"runtimeConfig", {{"portMappings", mappings}}}};
    if (br.rc == 0) pm["prevResult"] = json::parse(br.out);
    auto pa = run(side.path + "/portmap", cni_env("ADD", id, path, side.path), pm.dump());
    auto pd = run(side.path + "/portmap", cni_env("DEL", id, path, side.path), pm.dump());
    auto bd = run(side.path + "/bridge", cni_env("DEL", id, path, side.path), conf);
    adds.push_back({br.ms + pa.ms, br.cpu_ms + pa.cpu_ms, br.rc | pa.rc, ""});
    dels.push_back({pd.ms + bd.ms, pd.cpu_ms + bd.cpu_ms, pd.rc | bd.rc, ""});
    pm_adds.push_back(pa);
    pm_dels.push_back(pd);
    drop_ns(name);
  }
  return {stats(adds), stats(dels), stats(pm_adds), stats(pm_dels)};
}

void portmap_rows(const Side& ours, const Side& ref, int reps, const fs::path& data) {
  header("bridge + host-local + portmap, 4 mappings (ours nftables, reference v1.1.1 iptables)");
  for (bool udp : {false, true}) {
    auto o = bench_portmap_chain(ours, reps, data / "ours", udp ? 2 : 0, udp);
    auto r = bench_portmap_chain(ref, reps, data / "ref", udp ? 3 : 1, udp);
    const std::string kind = udp ? " (3 tcp + 1 udp)" : " (4 tcp)";
    char t[96];
    std::snprintf(t, sizeof t, "target ADD <= 1/10 of ref: %s", o.add.median * 10 <= r.add.median ? "met" : "missed");
    row("bridge+portmap ADD" + kind, o.add, r.add, t);
    row("bridge+portmap DEL" + kind, o.del, r.del);
    row("  portmap ADD alone" + kind, o.pm_add, r.pm_add);
    row("  portmap DEL alone" + kind, o.pm_del, r.pm_del);
    std::printf("%-44s ours %.2f ms CPU | ref %.2f ms CPU\n", ("  CPU per chain ADD" + kind).c_str(), o.add.mean_cpu,
                r.add.mean_cpu);
  }
}

// macvlan (over a veth standing in for the LAN NIC) and ptp (+ipMasq), each with host-local,
// one ADD then one DEL per fresh container netns, like the bridge rows.
std::pair<Stats, Stats> bench_link_plugin(const Side& side, const std::string& plugin, int reps, const std::string& data) {
  auto conf = plugin == "macvlan"
                  ? json({{"cniVersion", "1.0.0"}, {"name", "bmv"}, {"type", "macvlan"}, {"master", "bmv0"},
                          {"ipam", {{"type", "host-local"}, {"dataDir", data}, {"subnet", "10.247.0.0/16"}}}})
                  : json({{"cniVersion", "1.0.0"}, {"name", "bptp"}, {"type", "ptp"}, {"ipMasq", true},
                          {"ipam", {{"type", "host-local"}, {"dataDir", data}, {"subnet", "10.246.0.0/16"},
                                    {"routes", json::array({{{"dst", "0.0.0.0/0"}}})}}}});
  std::vector<Sample> adds, dels;
  for (int i = 0; i < reps; ++i) {
    auto name = "bl-" + std::to_string(getpid()) + "-" + std::to_string(i);
    auto path = make_ns(name);
    auto id = plugin + std::to_string(i);
    adds.push_back(run(side.path + "/" + plugin, cni_env("ADD", id, path, side.path), conf.dump()));
    dels.push_back(run(side.path + "/" + plugin, cni_env("DEL", id, path, side.path), conf.dump()));
    drop_ns(name);
  }
  return {stats(adds), stats(dels)};
}

void link_plugin_rows(const Side& ours, const Side& ref, int reps, const fs::path& data) {
  header("macvlan and ptp + host-local, one ADD then one DEL per fresh container netns");
  sh("ip link add bmv0 type veth peer name bmv0p 2>/dev/null; ip link set bmv0 up; ip link set bmv0p up");
  for (const char* plugin : {"macvlan", "ptp"}) {
    auto o = bench_link_plugin(ours, plugin, reps, data / "ours");
    auto r = bench_link_plugin(ref, plugin, reps, data / "ref");
    const std::string label = std::string(plugin) + (std::string(plugin) == "ptp" ? " +ipMasq" : "");
    row(label + " ADD", o.first, r.first);
    row(label + " DEL", o.second, r.second);
  }
  sh("ip link del bmv0 2>/dev/null");
}

// A conflist's work for one container with the meta plugins: bridge + host-local, tuning (a
// sysctl and the MTU), bandwidth (both directions: TBF + ifb) and firewall, each with the
// previous one's result; DEL in reverse. A sample is the sum of the plugins' spans; each
// plugin's DEL is kept alone too. Ours also runs the same list through cnipp-chain (one
// Mesos config), runtime work included. The two sides take turns, one container each, so a
// load that comes and goes on the machine (or a slow stretch of RCU grace periods, which
// every DEL here waits for) falls on both alike.
struct MetaSamples {
  std::vector<Sample> adds, dels, chain_adds, chain_dels;
  std::map<std::string, std::vector<Sample>> add_alone, del_alone;
};
struct MetaStats {
  Stats add, del;
  std::map<std::string, Stats> add_alone, del_alone;
  Stats chain_add, chain_del;
};

// The same list as one cnipp-chain config (ours only): ADD, then DEL.
void chain_rep(const Side& side, const std::string& id, const std::string& path, const std::string& net,
               const json& bridge, const std::vector<json>& meta, const std::string& data, MetaSamples& out) {
  json chain{{"cniVersion", "1.0.0"}, {"name", net}, {"type", "cnipp-chain"}, {"cacheDir", data + "/cache"}};
  json b = bridge;
  b.erase("cniVersion");
  b.erase("name");
  chain["plugins"] = json::array({b, meta[0], meta[1], meta[2]});
  out.chain_adds.push_back(run(side.path + "/cnipp-chain", cni_env("ADD", id, path, side.path), chain.dump()));
  out.chain_dels.push_back(run(side.path + "/cnipp-chain", cni_env("DEL", id, path, side.path), chain.dump()));
}

// One container of one side: the plugins' ADDs in order, their DELs in reverse.
void meta_rep(const Side& side, int i, const std::string& data, int idx, bool with_chain, MetaSamples& out) {
  const std::string net = "mn" + std::to_string(idx);
  const auto bridge = json::parse(bridge_conf(net, "mbr" + std::to_string(idx), "10.22" + std::to_string(idx) + ".0.0/16",
                                              data, false));
  const std::vector<json> meta = {
      {{"type", "tuning"}, {"dataDir", data + "/tuning"}, {"mtu", 1400}, {"sysctl", {{"net.core.somaxconn", "1024"}}}},
      {{"type", "bandwidth"}, {"ingressRate", 100000000}, {"ingressBurst", 1000000}, {"egressRate", 100000000},
       {"egressBurst", 1000000}},
      {{"type", "firewall"}}};
  auto name = "cm-" + std::to_string(getpid()) + "-" + std::to_string(idx) + "-" + std::to_string(i);
  auto path = make_ns(name);
  auto id = "mt" + std::to_string(i);
  auto r = run(side.path + "/bridge", cni_env("ADD", id, path, side.path), bridge.dump());
  Sample add = r, del{};
  std::vector<json> confs;
  for (auto c : meta) {
    c["cniVersion"] = "1.0.0";
    c["name"] = net;
    if (r.rc == 0) c["prevResult"] = json::parse(r.out);
    confs.push_back(c);
    r = run(side.path + "/" + c["type"].get<std::string>(), cni_env("ADD", id, path, side.path), c.dump());
    out.add_alone[c["type"]].push_back(r);
    add = {add.ms + r.ms, add.cpu_ms + r.cpu_ms, add.rc | r.rc, ""};
  }
  for (auto c = confs.rbegin(); c != confs.rend(); ++c) {
    auto d = run(side.path + "/" + (*c)["type"].get<std::string>(), cni_env("DEL", id, path, side.path), c->dump());
    out.del_alone[(*c)["type"]].push_back(d);
    del = {del.ms + d.ms, del.cpu_ms + d.cpu_ms, del.rc | d.rc, ""};
  }
  auto bd = run(side.path + "/bridge", cni_env("DEL", id, path, side.path), bridge.dump());
  out.del_alone["bridge"].push_back(bd);
  out.dels.push_back({del.ms + bd.ms, del.cpu_ms + bd.cpu_ms, del.rc | bd.rc, ""});
  out.adds.push_back(add);
  if (with_chain) chain_rep(side, id, path, net, bridge, meta, data, out);
  drop_ns(name);
}

MetaStats meta_stats(const MetaSamples& s) {
  MetaStats out;
  out.add = stats(s.adds);
  out.del = stats(s.dels);
  for (const auto& [k, v] : s.add_alone) out.add_alone[k] = stats(v);
  for (const auto& [k, v] : s.del_alone) out.del_alone[k] = stats(v);
  out.chain_add = stats(s.chain_adds);
  out.chain_del = stats(s.chain_dels);
  return out;
}

void meta_rows(const Side& ours, const Side& ref, int reps, const fs::path& data) {
  header("bridge + host-local + tuning + bandwidth + firewall (ours nftables, reference v1.1.1 iptables)");
  // Each side in a "host" namespace of its own: the reference's iptables FORWARD rules would
  // otherwise turn our firewall to its iptables backend, and its leftovers would be ours to find.
  const auto pid = std::to_string(getpid());
  const std::string oh = "mh-" + pid + "-ours", rh = "mh-" + pid + "-ref";
  MetaSamples os, rs;
  {
    const auto ours_host = cni::Netns::open(make_ns(oh)), ref_host = cni::Netns::open(make_ns(rh));
    sh("ip -n " + oh + " link set lo up; ip -n " + rh + " link set lo up");
    for (int i = 0; i < reps; ++i) {
      ours_host.run_in([&] { meta_rep(ours, i, (data / "ours").string(), 0, true, os); });
      ref_host.run_in([&] { meta_rep(ref, i, (data / "ref").string(), 1, false, rs); });
    }
  }
  drop_ns(oh);
  drop_ns(rh);
  const auto o = meta_stats(os), r = meta_stats(rs);
  row("meta chain ADD", o.add, r.add);
  row("meta chain DEL", o.del, r.del);
  for (const char* p : {"tuning", "bandwidth", "firewall"}) row(std::string("  ") + p + " ADD alone", o.add_alone.at(p), r.add_alone.at(p));
  for (const char* p : {"firewall", "bandwidth", "tuning", "bridge"})
    row(std::string("  ") + p + " DEL alone", o.del_alone.at(p), r.del_alone.at(p));
  row("cnipp-chain ADD (same list, one config)", o.chain_add, r.add, "ref: the four plugins' sum");
  row("cnipp-chain DEL (same list, one config)", o.chain_del, r.del, "ref: the four plugins' sum");
  std::printf("%-44s ours %.2f ms CPU | ref %.2f ms CPU\n", "  CPU per chain ADD", o.add.mean_cpu, r.add.mean_cpu);
}

// host-local alone: an ADD+DEL pair, and ADD with 0, 1,000 and 5,000 leases in the store.
void host_local_rows(const Side& ours, const Side& ref, int reps, const fs::path& data) {
  header("host-local alone");
  auto o0 = bench_host_local(ours, reps, 0, data / "ours");
  auto r0 = bench_host_local(ref, reps, 0, data / "ref");
  row("host-local ADD+DEL pair", o0.second, r0.second);
  row("host-local ADD, 0 leases", o0.first, r0.first);
  g_out["host_local_scaling"].push_back({{"leases", 0}, {"ours", to_json(o0.first)}, {"reference", to_json(r0.first)}});
  for (int n : {1000, 2000, 5000, 10000}) {
    auto o = bench_host_local(ours, reps, n, data / "ours");
    auto r = bench_host_local(ref, reps, n, data / "ref");
    char t[96];
    std::snprintf(t, sizeof t, "ours %.2fx of empty%s", o.first.median / o0.first.median,
                  n == 5000 ? (o.first.median <= 1.5 * o0.first.median ? " (target <=1.5x: met)" : " (target <=1.5x: missed)")
                            : "");
    row("host-local ADD, " + std::to_string(n) + " leases", o.first, r.first, t);
    g_out["host_local_scaling"].push_back({{"leases", n}, {"ours", to_json(o.first)}, {"reference", to_json(r.first)}});
  }
}

json conc_json(const Conc& c) {
  return {{"add_wall_ms", c.add_wall}, {"del_wall_ms", c.del_wall}, {"add", to_json(c.add)}, {"unique", c.unique},
          {"clean", c.clean}};
}

// 16 and 64 bridge ADDs started at once on one network, then as many DELs.
void concurrency_rows(const Side& ours, const Side& ref, const fs::path& data) {
  auto print = [](const char* who, const Conc& c) {
    std::printf("  %-5s ADD wall %.1f ms (p50 %.1f, p99 %.1f), DEL wall %.1f ms, unique IPs: %s, clean: %s, failures %zu\n",
                who, c.add_wall, c.add.median, c.add.p99, c.del_wall, c.unique ? "yes" : "NO", c.clean ? "yes" : "NO",
                c.add.failures + c.del.failures);
  };
  for (int n : {16, 64}) {
    auto o = bench_concurrent(ours, n, data / "ours", n == 16 ? 0 : 1);
    auto r = bench_concurrent(ref, n, data / "ref", n == 16 ? 2 : 3);
    std::printf("\nconcurrency: %d bridge ADDs at once, then %d DELs\n", n, n);
    print("ours:", o);
    print("ref:", r);
    if (n == 64) std::printf("  target 64 ADDs <= 1/5 of ref wall: %s\n", o.add_wall * 5 <= r.add_wall ? "met" : "missed");
    g_out["concurrency"].push_back({{"n", n}, {"ours", conc_json(o)}, {"reference", conc_json(r)}});
  }
}

// A Mesos burst (issue 20): 64 tasks at once, each through one Mesos network config (no
// cniVersion, port mappings in network_info) running cnipp-chain with [bridge + ipMasq,
// portmap (one TCP and one UDP mapping per task), firewall, tuning]; then 64 DELs at once.
// Both sides are driven by our cnipp-chain; the reference side's CNI_PATH is Debian's
// plugins. Walls are from the first spawn to the last exit.
struct Burst {
  std::vector<double> add_wall, del_wall;
  size_t failures = 0;
  bool unique = true;
};

Burst bench_burst(const std::string& chain_bin, const Side& side, int n, int bursts, const std::string& data, int idx) {
  Burst b;
  const std::string net = "bu" + std::to_string(idx), br = "bubr" + std::to_string(idx);
  const int tcp_base = 30000 + 2000 * idx, udp_base = tcp_base + 1000;
  auto conf = [&](int task) {
    json bridge = json::parse(bridge_conf(net, br, "10.20" + std::to_string(idx) + ".0.0/16", data + "/ipam", true));
    bridge.erase("cniVersion");
    bridge.erase("name");
    json c{{"name", net}, {"type", "cnipp-chain"}, {"cacheDir", data + "/cache"},
           {"plugins", json::array({bridge, {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}},
                                    {{"type", "firewall"}},
                                    {{"type", "tuning"}, {"dataDir", data + "/tuning"},
                                     {"sysctl", {{"net.core.somaxconn", "1024"}}}}})}};
    c["args"]["org.apache.mesos"]["network_info"] = {
        {"name", net},
        {"port_mappings", json::array({{{"host_port", tcp_base + task}, {"container_port", 80}, {"protocol", "tcp"}},
                                       {{"host_port", udp_base + task}, {"container_port", 53}, {"protocol", "udp"}}})}};
    return c.dump();
  };
  std::vector<std::string> names, ids;
  for (int i = 0; i < n; ++i) {
    names.push_back("bu-" + std::to_string(getpid()) + "-" + std::to_string(idx) + "-" + std::to_string(i));
    ids.push_back("burst" + std::to_string(idx) + "-" + std::to_string(i));
    make_ns(names.back());
  }
  for (int round = 0; round < bursts; ++round) {
    for (const char* cmd : {"ADD", "DEL"}) {
      std::vector<std::pair<pid_t, int>> procs;
      const double t0 = now_ms();
      for (int i = 0; i < n; ++i) {
        int fd;
        const auto u = static_cast<size_t>(i);
        procs.emplace_back(start({chain_bin}, cni_env(cmd, ids[u], "/var/run/netns/" + names[u], side.path), conf(i), &fd), fd);
      }
      std::set<std::string> ips;
      for (auto& [pid, fd] : procs) {
        auto s = finish(pid, fd, t0);
        if (s.rc != 0) {
          ++b.failures;
          std::printf("  %s burst %s failed (rc %d): %s\n", side.name.c_str(), cmd, s.rc, s.out.c_str());
        } else if (std::string(cmd) == "ADD") {
          try {
            if (!ips.insert(json::parse(s.out)["ip4"]["ip"].get<std::string>()).second) b.unique = false;
          } catch (...) {
            b.unique = false;
          }
        }
      }
      (std::string(cmd) == "ADD" ? b.add_wall : b.del_wall).push_back(now_ms() - t0);
    }
  }
  for (const auto& nm : names) drop_ns(nm);
  sh("ip link del " + br + " 2>/dev/null");
  return b;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void burst_rows(const Side& ours, const Side& ref, const fs::path& data) {
  constexpr int kTasks = 64, kBursts = 3;
  const auto chain_bin = ours.path + "/cnipp-chain";
  auto o = bench_burst(chain_bin, ours, kTasks, kBursts, (data / "ours").string(), 0);
  auto r = bench_burst(chain_bin, ref, kTasks, kBursts, (data / "ref").string(), 1);
  const double oa = median_of(o.add_wall), od = median_of(o.del_wall), ra = median_of(r.add_wall), rd = median_of(r.del_wall);
  std::printf("\nburst: %d Mesos tasks at once through cnipp-chain [bridge + ipMasq, portmap tcp+udp, firewall, tuning],\n"
              "then %d DELs at once; median wall of %d bursts (ref: Debian's plugins driven by the same cnipp-chain)\n",
              kTasks, kTasks, kBursts);
  std::printf("  ADD wall ours %.0f ms | ref %.0f ms | ref/ours %.1fx (target >= 10x: %s)\n", oa, ra, oa > 0 ? ra / oa : 0,
              oa * 10 <= ra ? "met" : "missed");
  std::printf("  DEL wall ours %.0f ms | ref %.0f ms | ref/ours %.1fx (target >= 2x: %s)\n", od, rd, od > 0 ? rd / od : 0,
              od * 2 <= rd ? "met" : "missed");
  std::printf("  failures ours %zu, ref %zu; unique addresses ours %s, ref %s\n", o.failures, r.failures,
              o.unique ? "yes" : "NO", r.unique ? "yes" : "NO");
  auto js = [](const Burst& b) {
    return json{{"add_wall_ms", b.add_wall}, {"del_wall_ms", b.del_wall}, {"failures", b.failures}, {"unique", b.unique}};
  };
  g_out["burst"] = {{"tasks", kTasks}, {"ours", js(o)}, {"reference", js(r)}};
}

}  // namespace

int main(int argc, char** argv) {
  // cnipp-bench <our bin dir> <reference dir> <reps> <json out> [ipvlan|bridge|portmap|meta|burst]: one group only
  if (argc < 5) {
    std::fprintf(stderr, "usage: cnipp-bench OUR_BIN_DIR REFERENCE_DIR REPS JSON_OUT [ipvlan|bridge|portmap|meta|burst]\n");
    return 2;
  }
  Side ours{"cnipp", argv[1]}, ref{"reference", argv[2]};
  int reps = std::atoi(argv[3]);
  std::string json_out = argv[4];
  bool ipvlan_only = argc > 5 && std::string(argv[5]) == "ipvlan";
  bool bridge_only = argc > 5 && std::string(argv[5]) == "bridge";
  bool portmap_only = argc > 5 && std::string(argv[5]) == "portmap";
  bool meta_only = argc > 5 && std::string(argv[5]) == "meta";
  bool burst_only = argc > 5 && std::string(argv[5]) == "burst";
  auto data = fs::temp_directory_path() / ("cnipp-bench-" + std::to_string(getpid()));
  fs::create_directories(data / "ours");
  fs::create_directories(data / "ref");
  g_out["reps"] = reps;

  if (portmap_only) {
    portmap_rows(ours, ref, reps, data);
  } else if (burst_only) {
    burst_rows(ours, ref, data);
  } else if (meta_only) {
    meta_rows(ours, ref, reps, data);
  } else if (ipvlan_only) {
    header("ipvlan + host-local (in this kernel)");
    auto o = bench_ipvlan(ours, reps, data / "ours");
    auto r = bench_ipvlan(ref, reps, data / "ref");
    row("ipvlan ADD", o.first, r.first);
    row("ipvlan DEL", o.second, r.second);
  } else {
    header("bridge + host-local, one ADD then one DEL per fresh container netns");
    auto [floor_add, floor_del] = kernel_floor(reps);
    for (bool masq : {false, true}) {
      auto o = bench_bridge(ours, masq, reps, data / "ours", masq ? 1 : 0);
      auto r = bench_bridge(ref, masq, reps, data / "ref", masq ? 3 : 2);
      char t[128];
      std::snprintf(t, sizeof t, "target ADD <= 1/%d of ref: %s", masq ? 10 : 8,
                    o.first.median * (masq ? 10 : 8) <= r.first.median ? "met" : "missed");
      row(std::string("bridge ADD") + (masq ? " +ipMasq" : ""), o.first, r.first, t);
      std::snprintf(t, sizeof t, "target DEL <= floor %.2f + 2 ms: %s", floor_del.median,
                    o.second.median <= floor_del.median + 2 ? "met" : "missed");
      row(std::string("bridge DEL") + (masq ? " +ipMasq" : ""), o.second, r.second, t);
      std::printf("%-44s ours %.2f ms CPU, peak RSS %ld KiB (max %ld) | ref %.2f ms CPU, %ld KiB (max %ld)  "
                  "(RSS target <= 1/2: %s)\n",
                  ("  CPU/RSS per ADD" + std::string(masq ? " +ipMasq" : "")).c_str(), o.first.mean_cpu,
                  o.first.median_rss, o.first.max_rss, r.first.mean_cpu, r.first.median_rss, r.first.max_rss,
                  o.first.median_rss * 2 <= r.first.median_rss ? "met" : "missed");
    }
    std::printf("%-44s ADD %.2f ms, DEL %.2f ms (same work done in-process over netlink)\n", "kernel floor",
                floor_add.median, floor_del.median);
    g_out["kernel_floor"] = {{"add", to_json(floor_add)}, {"del", to_json(floor_del)}};

    if (!bridge_only) {
      portmap_rows(ours, ref, reps, data);
      link_plugin_rows(ours, ref, reps, data);
      meta_rows(ours, ref, reps, data);
      host_local_rows(ours, ref, reps, data);
      concurrency_rows(ours, ref, data);
      burst_rows(ours, ref, data);
    }
  }
  fs::remove_all(data);
  std::ofstream(json_out) << g_out.dump(2) << "\n";
  return 0;
}
