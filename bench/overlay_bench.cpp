// cnipp-overlay-bench: the overlay's figures on its test bed (overlay/testbed/bed.hpp): a
// real ZooKeeper, agents and pods in namespaces on this machine. Measures, does not judge.
//   join convergence   cnipp-overlayd exec on a new agent -> it logs "in service" -> a pod
//                      ADDed there -> the first ICMP reply from a pod on another agent
//                      (probe every 5 ms); a fresh agent per run
//   round trip         ICMP echo pod -> pod on the same agent and across agents (VXLAN)
//   ADD / DEL          cnipp-overlay against our bridge and the reference bridge, both with
//                      host-local on an equivalent /24, spawned the same way in the agent
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bed.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using overlay_bed::Agent;
using overlay_bed::Bed;
using overlay_bed::Pod;

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct Dist {
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
  size_t n = 0;
};
Dist dist(std::vector<double> v) {
  Dist d;
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  d.p50 = at(0.5);
  d.p95 = at(0.95);
  d.p99 = at(0.99);
  d.max = v.back();
  d.n = v.size();
  return d;
}
json to_json(const Dist& d) { return {{"p50_ms", d.p50}, {"p95_ms", d.p95}, {"p99_ms", d.p99}, {"max_ms", d.max}, {"n", d.n}}; }
void print(const char* what, const Dist& d, const char* note = "") {
  std::printf("%-46s %9.3f %9.3f %9.3f %9.3f %5zu  %s\n", what, d.p50, d.p95, d.p99, d.max, d.n, note);
}

// Join convergence, `runs` times, each on a fresh agent.
json join_rows(Bed& bed, Agent& a1, const Pod& p1, int runs) {
  std::vector<double> total, to_state, to_add, to_reply;
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    const int number = 10 + i;
    Agent& a = bed.agent(number);
    const auto t0 = Clock::now();
    a.start();
    if (!a.wait_ready(20s, 1ms)) {
      ++failures;
      bed.remove_agent(number);
      continue;
    }
    const double t_state = ms_since(t0);
    double t_add = 0;
    {
      Pod p(a, "join" + std::to_string(i), a.plugin_conf());
      t_add = ms_since(t0);
      bool ok = overlay_bed::eventually([&] { return overlay_bed::ping(p1.ns(), p.ip(), 5ms).has_value(); }, 20s, 0ms);
      const double t_reply = ms_since(t0);
      if (!ok) ++failures;
      else {
        total.push_back(t_reply);
        to_state.push_back(t_state);
        to_add.push_back(t_add - t_state);
        to_reply.push_back(t_reply - t_add);
      }
    }
    a.stop();
    bed.ctl({"lease", "release", "--force", bed.options().network, a.node_id()});
    bed.remove_agent(number);
    // Let a1 drop the released peer before the next run's joiner shows up.
    overlay_bed::eventually([&] { return a1.routes().size() <= 1; }, 5s);
  }
  std::printf("\njoin convergence (%d runs; the DC/OS overlay polls every 30-120 s; target p95 < 1000 ms)\n", runs);
  std::printf("%-46s %9s %9s %9s %9s %5s\n", "ms", "p50", "p95", "p99", "max", "n");
  auto t = dist(total);
  print("daemon exec -> first cross-agent pod reply", t, t.p95 < 1000 ? "(target met)" : "(target missed)");
  print("  daemon exec -> in service (lease, VTEP, peers)", dist(to_state));
  print("  pod netns created + ADD on the new agent", dist(to_add));
  print("  pod ready -> first reply from the other agent", dist(to_reply));
  if (failures) std::printf("  failures: %d\n", failures);
  return {{"total", to_json(t)}, {"to_in_service", to_json(dist(to_state))}, {"pod_add", to_json(dist(to_add))},
          {"to_first_reply", to_json(dist(to_reply))}, {"failures", failures}};
}

json rtt_rows(const Pod& from, const Pod& same, const Pod& cross, int count) {
  auto measure = [&](const Pod& to) {
    std::vector<double> v;
    for (int i = 0; i < count; ++i)
      if (auto r = overlay_bed::ping(from.ns(), to.ip(), 1000ms)) v.push_back(*r);
    return dist(v);
  };
  measure(same);  // warm the neighbour caches
  auto s = measure(same), c = measure(cross);
  std::printf("\npod-to-pod ICMP round trip (%d echoes each)\n%-46s %9s %9s %9s %9s %5s\n", count, "ms", "p50", "p95",
              "p99", "max", "n");
  print("same agent (bridge)", s);
  print("across agents (bridge + VXLAN + underlay)", c);
  return {{"same_agent", to_json(s)}, {"cross_agent", to_json(c)}};
}

// One plugin process per sample, spawned in the agent's namespace.
json add_rows(Bed& bed, Agent& a, int reps) {
  const std::string bin = bed.options().bin_dir;
  auto bridge_conf = [&](const std::string& dir) {
    return json{{"cniVersion", "1.0.0"}, {"name", "brbench"}, {"type", "bridge"}, {"bridge", "benchbr0"},
                {"isGateway", true}, {"isDefaultGateway", true}, {"mtu", 1450},
                {"ipam", {{"type", "host-local"}, {"dataDir", bed.dir() + "/" + dir},
                          {"ranges", json::array({json::array({{{"subnet", "10.250.0.0/24"}}})})},
                          {"routes", json::array({{{"dst", "10.250.0.0/16"}}})}}}};
  };
  struct Side {
    const char* name;
    std::string binary, path;
    json conf;
  };
  auto overlay_conf = a.plugin_conf();
  overlay_conf["ipMasq"] = false;  // the bridge rows have no masquerade either
  std::vector<Side> sides{{"cnipp-overlay ADD", bin + "/cnipp-overlay", bin, overlay_conf},
                          {"cnipp-overlay ADD, ipMasq (its default)", bin + "/cnipp-overlay", bin, a.plugin_conf()},
                          {"our bridge ADD (same bridge + host-local work)", bin + "/bridge", bin, bridge_conf("ours")},
                          {"reference bridge ADD", "/usr/lib/cni/bridge", "/usr/lib/cni", bridge_conf("ref")}};
  std::printf("\nADD and DEL, one process each, %d repetitions\n%-46s %9s %9s %9s %9s %5s\n", reps, "ms", "p50", "p95",
              "p99", "max", "n");
  json out = json::object();
  for (auto& s : sides) {
    std::vector<double> adds, dels;
    for (int i = 0; i < reps; ++i) {
      overlay_bed::Netns pod("ovb");
      std::map<std::string, std::string> env{{"CNI_CONTAINERID", "b" + std::to_string(i)}, {"CNI_NETNS", pod.path()},
                                             {"CNI_IFNAME", "eth0"}, {"CNI_PATH", s.path},
                                             {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
      env["CNI_COMMAND"] = "ADD";
      auto t0 = Clock::now();
      auto r = overlay_bed::run_in(a.ns(), {s.binary}, env, s.conf.dump());
      if (r.rc == 0) adds.push_back(ms_since(t0));
      env["CNI_COMMAND"] = "DEL";
      t0 = Clock::now();
      r = overlay_bed::run_in(a.ns(), {s.binary}, env, s.conf.dump());
      if (r.rc == 0) dels.push_back(ms_since(t0));
    }
    auto da = dist(adds), dd = dist(dels);
    print(s.name, da);
    std::string del_name = std::string(s.name);
    del_name.replace(del_name.find("ADD"), 3, "DEL");
    print(del_name.c_str(), dd);
    out[s.name] = {{"add", to_json(da)}, {"del", to_json(dd)}};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: cnipp-overlay-bench OUR_BIN_DIR REPS JSON_OUT [JOIN_RUNS]\n");
    return 2;
  }
  overlay_bed::BedOptions o;
  o.bin_dir = argv[1];
  const int reps = std::max(1, std::atoi(argv[2]));
  const int joins = argc > 4 ? std::max(1, std::atoi(argv[4])) : 20;
  json out;
  try {
    Bed bed(o);
    Agent& a1 = bed.agent(1);
    Agent& a2 = bed.agent(2);
    a1.start();
    a2.start();
    if (!a1.wait_ready() || !a2.wait_ready()) throw std::runtime_error("the first agents did not get a lease");
    Pod p1(a1, "p1", a1.plugin_conf());
    Pod p1b(a1, "p1b", a1.plugin_conf());
    Pod p2(a2, "p2", a2.plugin_conf());
    std::printf("cnipp overlay benchmark: ZooKeeper %s in a namespace, agents on a veth/bridge underlay, this machine\n",
                bed.zk_connect().c_str());
    out["join"] = join_rows(bed, a1, p1, joins);
    out["rtt"] = rtt_rows(p1, p1b, p2, 1000);
    out["add"] = add_rows(bed, a1, reps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cnipp-overlay-bench: %s\n", e.what());
    return 1;
  }
  std::ofstream(argv[3]) << out.dump(2) << "\n";
  return 0;
}
