// Shared fixture for the bridge tests: a "host" test namespace in which the plugin binary
// runs (so bridges, masquerade rules and forwarding sysctls land in the test namespace,
// never the real host), container namespaces, an IPAM data dir, and kernel-state probes.
#pragma once

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace bridge_test {

using nlohmann::json;

// Our host-local once it is built, the reference one until then.
inline std::string ipam_dir() {
  return access(test::ours("host-local").c_str(), X_OK) == 0 ? test::bin_dir() : std::string(CNIPP_REFERENCE_DIR);
}

// A raw-socket ICMP echo (the image has no ping); exit 0 when a reply arrives within ~3 s.
inline const char* kPingScript = R"PY(
import socket, struct, sys, select, time
a = sys.argv[1]; v6 = ':' in a
fam = socket.AF_INET6 if v6 else socket.AF_INET
s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP)
def csum(b):
    if len(b) % 2: b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b)); t = (t >> 16) + (t & 0xffff); t += t >> 16
    return ~t & 0xffff
end = time.time() + 3
while time.time() < end:
    hdr = struct.pack('!BBHHH', 128 if v6 else 8, 0, 0, 0x1234, 1) + b'cnipp'
    if not v6: hdr = hdr[:2] + struct.pack('!H', csum(hdr)) + hdr[4:]
    s.sendto(hdr, (a, 0))
    stop = time.time() + 0.3
    while time.time() < stop:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r: continue
        d, src = s.recvfrom(2048)
        t = d[0] if v6 else d[(d[0] & 15) * 4]
        if src[0] == a and t == (129 if v6 else 0): sys.exit(0)
sys.exit(1)
)PY";

struct Lab {
  std::string binary;
  test::TestNetns host{"bh"};
  test::TempDir data;
  std::string br = test::unique_name("br");
  std::string ipam_path = ipam_dir();

  explicit Lab(std::string bin) : binary(std::move(bin)) { test::write_file(data / "ping.py", kPingScript); }

  // A bridge config with host-local on `subnets` (one range set each); `ipam: {}` when empty.
  json conf(const std::vector<std::string>& subnets, const std::string& version = "1.0.0") const {
    json j{{"cniVersion", version}, {"name", "brnet"}, {"type", "bridge"}, {"bridge", br}};
    if (subnets.empty()) {
      j["ipam"] = json::object();
    } else {
      json ranges = json::array();
      for (const auto& s : subnets) ranges.push_back(json::array({{{"subnet", s}}}));
      j["ipam"] = {{"type", "host-local"}, {"dataDir", data.path + "/ipam"}, {"ranges", ranges}};
    }
    return j;
  }

  test::RunResult call(const std::string& cmd, const std::string& id, const std::string& netns, const json& conf,
                       const std::string& ifname = "eth0", const std::string& cni_args = "") const {
    auto env = test::cni_env(cmd, id, netns, ifname, ipam_path);
    if (!cni_args.empty()) env["CNI_ARGS"] = cni_args;
    return test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", host.name, binary});
  }
  test::RunResult add(const test::TestNetns& c, const json& conf, const std::string& id = "c1",
                      const std::string& ifname = "eth0", const std::string& cni_args = "") const {
    return call("ADD", id, c.path(), conf, ifname, cni_args);
  }
  test::RunResult del(const test::TestNetns& c, const json& conf, const std::string& id = "c1",
                      const std::string& ifname = "eth0") const {
    return call("DEL", id, c.path(), conf, ifname);
  }

  std::string in_host(const std::string& cmd, int* rc = nullptr) const { return host.exec(cmd, rc); }
  // `ip -j -d link show dev X` in a namespace, as one JSON object (null when absent).
  static json link(const test::TestNetns& ns, const std::string& dev) {
    int rc = 0;
    auto out = ns.exec("ip -j -d link show dev " + dev + " 2>/dev/null", &rc);
    if (rc != 0 || out.empty()) return nullptr;
    auto j = json::parse(out);
    return j.empty() ? json(nullptr) : j[0];
  }
  json host_link(const std::string& dev) const { return link(host, dev); }
  static json addrs(const test::TestNetns& ns, const std::string& dev) {
    return json::parse(ns.exec("ip -j addr show dev " + dev))[0]["addr_info"];
  }
  static bool has_addr(const test::TestNetns& ns, const std::string& dev, const std::string& local, int prefix) {
    for (const auto& a : addrs(ns, dev))
      if (a["local"] == local && a["prefixlen"] == prefix) return true;
    return false;
  }
  // Host-side veths enslaved to our bridge.
  std::vector<std::string> ports() const {
    std::vector<std::string> out;
    for (const auto& l : json::parse(in_host("ip -j link show master " + br + " 2>/dev/null || echo []")))
      out.push_back(l["ifname"]);
    return out;
  }
  bool ping(const test::TestNetns& from, const std::string& addr) const {
    int rc = 0;
    from.exec("python3 " + data / "ping.py" + " " + addr, &rc);
    return rc == 0;
  }
  std::vector<std::string> leases() const {
    std::vector<std::string> out;
    for (const auto& f : test::list_dir(data.path + "/ipam/brnet"))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out.push_back(f);
    return out;
  }
};

}  // namespace bridge_test
