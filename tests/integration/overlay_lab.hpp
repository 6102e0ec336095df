// Shared by the overlay's integration tests (overlay_test.cpp, overlay_security_test.cpp):
// the test bed with this build's binaries, and checks on agents, pods and the store.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "bed.hpp"
#include "harness.hpp"

namespace overlay_lab {

using namespace std::chrono_literals;
using nlohmann::json;
using overlay_bed::Agent;
using overlay_bed::Bed;
using overlay_bed::eventually;
using overlay_bed::Pod;

// `auth`: "user:password" for --auth-file on every daemon and ctl call, empty for none.
inline overlay_bed::BedOptions options(const std::string& auth = "") {
  overlay_bed::BedOptions o;
  o.bin_dir = test::bin_dir();
  o.auth = auth;
  return o;
}

inline bool reaches(const Pod& from, const Pod& to, std::chrono::milliseconds within = 10s) {
  return eventually([&] { return overlay_bed::ping(from.ns(), to.ip(), 300ms).has_value(); }, within, 1ms);
}

inline std::string log_of(const Agent& a) { return test::read_file(a.log_path()); }

// What every agent's VTEP must hold for its peers: one route, neighbour and FDB row each.
inline void check_peers(const Agent& a, const std::vector<Agent*>& peers) {
  std::vector<std::string> routes, neigh, fdb;
  for (const Agent* p : peers) {
    auto subnet = p->subnet();
    routes.push_back(subnet);
    neigh.push_back(subnet.substr(0, subnet.find('/')));
    auto ip = p->ip();
    char mac[32];
    unsigned b[4];
    std::sscanf(ip.c_str(), "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    std::snprintf(mac, sizeof mac, "0e:cc:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
    fdb.push_back(mac);
  }
  std::sort(routes.begin(), routes.end());
  std::sort(neigh.begin(), neigh.end());
  std::sort(fdb.begin(), fdb.end());
  INFO("agent " << a.node_id() << " log:\n" << log_of(a));
  CHECK(eventually([&] { return a.routes() == routes && a.neighbours() == neigh && a.fdb() == fdb; }, 10s));
  CHECK(a.routes() == routes);
  CHECK(a.neighbours() == neigh);
  CHECK(a.fdb() == fdb);
}

// A node's row in `network show`, null when it has none.
inline json lease_of(const json& show, const std::string& node) {
  for (const auto& l : show["leases"])
    if (l.value("node", "") == node) return l;
  return nullptr;
}

// A node's alive/ znode as ZooKeeper's own client reads it ({"underlayIP","pid"}), null when
// it is absent.
inline json alive_node(const Bed& bed, const std::string& node) {
  auto out = bed.zk_cli({"get /cnipp/" + bed.options().network + "/alive/" + node});
  for (auto at = out.find("\n{"); at != std::string::npos; at = out.find("\n{", at + 1)) {
    auto end = out.find('\n', at + 1);
    try {
      return json::parse(out.substr(at + 1, end - at - 1));
    } catch (const std::exception&) {
    }
  }
  return nullptr;
}

// The znode name of a subnet's lease: 10.96.3.0/24 -> 10.96.3.0-24.
inline std::string key_of(std::string subnet) {
  subnet[subnet.find('/')] = '-';
  return subnet;
}

inline size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// No interface in the pod, no bridge on the agent, nothing in the plugin's data dir.
inline bool nothing_created(const Agent& a, const overlay_bed::Netns& pod) {
  int rc = 0;
  pod.exec("ip link show eth0 >/dev/null 2>&1", &rc);
  bool no_iface = rc != 0;
  a.ns().exec("ip link show cnippbr1 >/dev/null 2>&1", &rc);
  bool no_bridge = rc != 0;
  bool no_data = test::list_dir(a.data_dir()).empty();
  return no_iface && no_bridge && no_data;
}

// Two agents holding leases and, unless `pods` is false, a pod on each that reaches the other.
struct TwoAgents {
  Bed bed;
  Agent& a1;
  Agent& a2;
  std::unique_ptr<Pod> p1, p2;
  explicit TwoAgents(overlay_bed::BedOptions o = options(), bool pods = true)
      : bed(std::move(o)), a1(bed.agent(1)), a2(bed.agent(2)) {
    a1.start();
    a2.start();
    REQUIRE(a1.wait_ready());
    REQUIRE(a2.wait_ready());
    if (!pods) return;
    p1 = std::make_unique<Pod>(a1, "p1", a1.plugin_conf());
    p2 = std::make_unique<Pod>(a2, "p2", a2.plugin_conf());
    REQUIRE(reaches(*p1, *p2));
  }
};

}  // namespace overlay_lab
