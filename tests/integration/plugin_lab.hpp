// Shared fixture for the container-link and routed plugins (macvlan, ptp, host-device, tap,
// loopback, vlan, dummy): a "host" test namespace in which the plugin binary runs (so its
// links, routes, sysctls and masquerade rules land there, never on the real host), an IPAM
// data dir, and kernel-state probes. Everything it creates is removed on scope exit.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bridge_lab.hpp"
#include "harness.hpp"

namespace plugin_test {

using nlohmann::json;

struct Lab {
  test::TestNetns host{"ph"};
  test::TempDir data;
  std::string ipam_path = bridge_test::ipam_dir();

  Lab() { test::write_file(data / "ping.py", bridge_test::kPingScript); }

  // host-local on `subnets` (one range set each) with its leases under this lab.
  json host_local(const std::vector<std::string>& subnets, bool default_route = true) const {
    json ranges = json::array();
    for (const auto& s : subnets) ranges.push_back(json::array({{{"subnet", s}}}));
    json ipam{{"type", "host-local"}, {"dataDir", data.path + "/ipam"}, {"ranges", ranges}};
    if (default_route) ipam["routes"] = json::array({{{"dst", "0.0.0.0/0"}}});
    return ipam;
  }

  // Runs `binary` for `cmd` inside the host namespace, as a runtime on that host would.
  test::RunResult call(const std::string& binary, const std::string& cmd, const std::string& id,
                       const std::string& netns, const json& conf, const std::string& ifname = "eth0",
                       const std::string& cni_args = "") const {
    auto env = test::cni_env(cmd, id, netns, ifname, ipam_path);
    if (!cni_args.empty()) env["CNI_ARGS"] = cni_args;
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, binary});
  }

  std::string in_host(const std::string& cmd, int* rc = nullptr) const { return host.exec(cmd, rc); }
  // `cmd` through sh in the host namespace; true when it exits 0.
  bool host_sh(const std::string& cmd) const {
    int rc = -1;
    host.exec("sh -c '" + cmd + "' 2>&1", &rc);
    return rc == 0;
  }
  // A veth pair "<name>"/"<name>p" in the host namespace, both up: a master for macvlan and
  // the like (the far end keeps the LAN's carrier up).
  void add_master(const std::string& name) const {
    REQUIRE(host_sh("ip link add " + name + " type veth peer name " + name + "p && ip link set " + name +
                    " up && ip link set " + name + "p up"));
  }

  static json link(const test::TestNetns& ns, const std::string& dev) { return bridge_test::Lab::link(ns, dev); }
  json host_link(const std::string& dev) const { return link(host, dev); }
  static bool has_addr(const test::TestNetns& ns, const std::string& dev, const std::string& local, int prefix) {
    return bridge_test::Lab::has_addr(ns, dev, local, prefix);
  }
  bool ping(const test::TestNetns& from, const std::string& addr) const {
    int rc = 0;
    from.exec("python3 " + data / "ping.py" + " " + addr, &rc);
    return rc == 0;
  }
  std::vector<std::string> leases(const std::string& network) const {
    std::vector<std::string> out;
    for (const auto& f : test::list_dir(data.path + "/ipam/" + network))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out.push_back(f);
    return out;
  }
  // The host namespace's masquerade rules naming container `id` (nftables and iptables).
  std::string masq_rules(const std::string& id) const {
    std::string out;
    for (const auto& line : split(in_host("nft list chain inet cni_plugins_masquerade masq_checks 2>/dev/null")))
      if (line.find("id: " + id + "\"") != std::string::npos) out += line + "\n";
    for (const auto& line : split(in_host("iptables-save -t nat 2>/dev/null")))
      if (line.find("id: \\\"" + id + "\\\"") != std::string::npos) out += line + "\n";
    return out;
  }
  static std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }
};

}  // namespace plugin_test
