// Shared fixture for the meta plugin tests (tuning, bandwidth, firewall, sbr, cnipp-chain):
// a throw-away "host" namespace in which the plugins run, container namespaces attached to a
// bridge by our bridge plugin (so every chained plugin sees a real prevResult and a real
// veth), and helpers to run a plugin chained after that result. Everything is removed on
// scope exit.
#pragma once

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace meta_test {

using nlohmann::json;

// Only inside the test's own namespaces.
inline const std::string kSubnetV4 = "10.250.0.0/24", kSubnetV6 = "fd00:250::/64";
inline const std::string kGatewayV4 = "10.250.0.1", kGatewayV6 = "fd00:250::1";

struct Lab {
  test::TestNetns host{"mh"};
  test::TempDir data;
  std::string br = test::unique_name("mb");
  std::string network = "metanet";

  json bridge_conf(bool dual_stack = false, const std::string& version = "1.0.0") const {
    json ranges = json::array({json::array({{{"subnet", kSubnetV4}}})});
    if (dual_stack) ranges.push_back(json::array({{{"subnet", kSubnetV6}}}));
    return {{"cniVersion", version}, {"name", network}, {"type", "bridge"}, {"bridge", br},
            {"isDefaultGateway", true},
            {"ipam", {{"type", "host-local"}, {"dataDir", data.path + "/ipam"}, {"ranges", ranges}}}};
  }

  // Runs `binary` for one command inside the host namespace (CNI_PATH: our bin dir).
  test::RunResult run(const std::string& binary, const std::string& cmd, const std::string& id,
                      const std::string& netns, const json& conf, const std::string& ifname = "eth0",
                      const std::string& cni_args = "") const {
    auto env = test::cni_env(cmd, id, netns, ifname);
    if (!cni_args.empty()) env["CNI_ARGS"] = cni_args;
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, binary});
  }

  // Attaches `ctr` to the bridge with our bridge plugin; its 1.0.0 result.
  json attach(const test::TestNetns& ctr, const std::string& id, bool dual_stack = false,
              const std::string& ifname = "eth0") const {
    auto r = run(test::ours("bridge"), "ADD", id, ctr.path(), bridge_conf(dual_stack), ifname);
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    return r.json();
  }
  void detach(const test::TestNetns& ctr, const std::string& id, const std::string& ifname = "eth0") const {
    run(test::ours("bridge"), "DEL", id, ctr.path(), bridge_conf(true), ifname);
  }

  // A plugin config chained after `prev` (nothing when null), as a conflist runtime builds it.
  json chained(json conf, const json& prev, const std::string& version = "1.0.0") const {
    conf["cniVersion"] = version;
    conf["name"] = network;
    if (!prev.is_null()) conf["prevResult"] = prev;
    return conf;
  }

  // The host-side veth of a container attached to our bridge.
  std::string host_veth(const json& result) const {
    for (const auto& i : result["interfaces"])
      if (!i.contains("sandbox") && i["name"] != br) return i["name"];
    return "";
  }
};

// The container's first address of a family in a result ("10.250.0.2").
inline std::string addr(const json& result, int family) {
  for (const auto& ip : result["ips"]) {
    auto a = ip["address"].get<std::string>();
    if ((a.find(':') != std::string::npos) == (family == 6)) return a.substr(0, a.find('/'));
  }
  return "";
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace meta_test
