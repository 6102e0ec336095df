// bandwidth through the CNI protocol, chained after our bridge in test namespaces: the tc
// objects it makes (checked with tc), the rate the kernel then enforces (measured), CHECK,
// DEL and bad input.
#include <unistd.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;
using meta_test::trim;

namespace {

json bw_conf(const Lab& lab, const json& prev, uint64_t in_rate, uint64_t in_burst, uint64_t out_rate, uint64_t out_burst) {
  return lab.chained({{"type", "bandwidth"},
                      {"ingressRate", in_rate},
                      {"ingressBurst", in_burst},
                      {"egressRate", out_rate},
                      {"egressBurst", out_burst}},
                     prev);
}

std::string ifb_of(const std::string& network, const std::string& id) {
  return "bwp" + test::sh("printf %s '" + network + id + "' | sha512sum").substr(0, 12);
}

// The host's qdiscs as `tc -j` reports them, keyed "<dev> <kind>".
std::map<std::string, json> qdiscs(const Lab& lab) {
  std::map<std::string, json> out;
  for (const auto& q : json::parse(lab.host.exec("tc -j qdisc show")))
    out[q["dev"].get<std::string>() + " " + q["kind"].get<std::string>()] = q;
  return out;
}

// A UDP stream at twice `rate` bits/s for 1 s from one namespace to a receiver in another;
// the receiver's rate in bits/s as the wire carries it (each 1400-byte datagram is 1442
// bytes of Ethernet frame), over the stream less its first 0.2 s (which the TBF bucket lets
// through at line rate). UDP, not TCP: a shaper that drops (the ifb's) would otherwise
// measure TCP's recovery rather than the shaper.
const char* kRateScript = R"PY(
import socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
SIZE, WIRE = 1400, 1442
if mode == 'serve':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    open(sys.argv[4], 'w').close()
    s.settimeout(10); s.recv(SIZE); start = time.monotonic(); s.settimeout(0.3)
    n = 0; last = start
    try:
        while True:
            s.recv(SIZE); now = time.monotonic()
            if now - start >= 0.2: n += 1; last = now
    except socket.timeout:
        pass
    window = last - start - 0.2
    print(int(n * WIRE * 8 / window) if window > 0 else 0, flush=True)
else:
    rate = int(sys.argv[4]) * 2 / 8 / WIRE  # datagrams per second
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); buf = b'x' * SIZE
    t0 = time.monotonic(); sent = 0
    while True:
        now = time.monotonic() - t0
        if now >= 1.0: break
        while sent < rate * now:
            try: s.sendto(buf, (addr, port))
            except OSError: pass
            sent += 1
        time.sleep(0.002)
)PY";

double measured_rate(const Lab& lab, const std::string& server_ns, const std::string& server_addr,
                     const std::string& client_ns, uint64_t rate) {
  const std::string script = lab.data / "rate.py", ready = lab.data / "ready", out = lab.data / "rate.out";
  test::write_file(script, kRateScript);
  unlink(ready.c_str());
  unlink(out.c_str());
  test::sh("ip netns exec " + server_ns + " timeout 30 python3 " + script + " serve " + server_addr + " 5201 " + ready +
           " > " + out + " 2>&1 &");
  for (int i = 0; i < 500 && access(ready.c_str(), F_OK) != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(access(ready.c_str(), F_OK) == 0);
  test::sh("ip netns exec " + client_ns + " python3 " + script + " send " + server_addr + " 5201 " + std::to_string(rate));
  std::string measured;
  for (int i = 0; i < 1000 && (measured = trim(test::read_file(out))).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  INFO("receiver said: " << measured);
  REQUIRE(!measured.empty());
  return std::stod(measured);
}

}  // namespace

TEST_CASE("bandwidth: a TBF on the host veth, an ifb with a redirect for egress, CHECK, DEL", "[bandwidth]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "b1");
  const auto veth = lab.host_veth(prev);
  const auto ifb = ifb_of(lab.network, "b1");
  auto conf = bw_conf(lab, prev, 8000000, 80000, 16000000, 160000);

  auto r = lab.run(test::ours("bandwidth"), "ADD", "b1", c.path(), conf);
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  // The result is prevResult plus the ifb, outside any sandbox.
  auto j = r.json();
  REQUIRE(j["interfaces"].size() == prev["interfaces"].size() + 1);
  CHECK(j["interfaces"].back()["name"] == ifb);
  CHECK(!j["interfaces"].back().contains("sandbox"));
  CHECK(j["ips"] == prev["ips"]);

  auto q = qdiscs(lab);
  REQUIRE(q.count(veth + " tbf"));
  REQUIRE(q.count(veth + " ingress"));
  REQUIRE(q.count(ifb + " tbf"));
  // rate/8 bytes per second; burst/8 bytes of bucket; limit = 25 ms at the rate + the burst
  // (tc shows the limit as the latency it allows beyond the bucket: 25 ms).
  CHECK(q[veth + " tbf"]["options"]["rate"] == 1000000);
  CHECK(q[veth + " tbf"]["options"]["burst"] == 10000);
  CHECK(q[veth + " tbf"]["options"]["lat"] == 25000);
  CHECK(q[ifb + " tbf"]["options"]["rate"] == 2000000);
  CHECK(q[ifb + " tbf"]["options"]["burst"] == 20000);
  CHECK(q[ifb + " tbf"]["options"]["lat"] == 25000);
  CHECK_THAT(lab.host.exec("tc filter show dev " + veth + " parent ffff:"),
             Catch::Contains("Egress Redirect to device " + ifb) && Catch::Contains("flowid 1:1"));
  auto ifb_link = json::parse(lab.host.exec("ip -j -d link show dev " + ifb))[0];
  CHECK(ifb_link["linkinfo"]["info_kind"] == "ifb");
  CHECK(ifb_link["mtu"] == json::parse(lab.host.exec("ip -j link show dev " + veth))[0]["mtu"]);
  CHECK(ifb_link.value("txqlen", 0) == 0);
  CHECK_THAT(ifb_link["flags"].dump(), Catch::Contains("UP"));

  CHECK(lab.run(test::ours("bandwidth"), "CHECK", "b1", c.path(), conf).rc == 0);
  // A limit that differs from the qdisc is drift.
  auto other = bw_conf(lab, prev, 8000000, 80000, 32000000, 160000);
  CHECK(lab.run(test::ours("bandwidth"), "CHECK", "b1", c.path(), other).rc != 0);

  r = lab.run(test::ours("bandwidth"), "DEL", "b1", c.path(), conf);
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(lab.host.exec("ip link show dev " + ifb + " 2>/dev/null").empty());
  CHECK(lab.run(test::ours("bandwidth"), "DEL", "b1", c.path(), conf).rc == 0);
  // Without the container and without prevResult, DEL still succeeds.
  CHECK(lab.run(test::ours("bandwidth"), "DEL", "b1", "/var/run/netns/gone", lab.chained({{"type", "bandwidth"}}, json())).rc == 0);
}

TEST_CASE("bandwidth: the kernel holds both directions to the set rate (within 15%)", "[bandwidth][traffic]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "b2");
  const uint64_t in_rate = 16000000, out_rate = 24000000;  // bits/s
  auto conf = bw_conf(lab, prev, in_rate, 200000, out_rate, 200000);
  REQUIRE(lab.run(test::ours("bandwidth"), "ADD", "b2", c.path(), conf).rc == 0);
  const auto ctr = meta_test::addr(prev, 4);
  // Into the container (host -> container): the TBF on the host veth.
  double in = measured_rate(lab, c.name, ctr, lab.host.name, in_rate);
  // Out of it (container -> host): the ifb's TBF.
  double out = measured_rate(lab, lab.host.name, meta_test::kGatewayV4, c.name, out_rate);
  INFO("ingress " << in << " bit/s (set " << in_rate << "), egress " << out << " bit/s (set " << out_rate << ")");
  CHECK(in > 0.85 * in_rate);
  CHECK(in < 1.15 * in_rate);
  CHECK(out > 0.85 * out_rate);
  CHECK(out < 1.15 * out_rate);
  REQUIRE(lab.run(test::ours("bandwidth"), "DEL", "b2", c.path(), conf).rc == 0);
}

TEST_CASE("bandwidth: limits from runtimeConfig unless the config sets its own, none: prevResult unchanged", "[bandwidth]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "b3");
  const auto veth = lab.host_veth(prev);
  json conf = lab.chained({{"type", "bandwidth"}, {"capabilities", {{"bandwidth", true}}}}, prev);
  conf["runtimeConfig"]["bandwidth"] = {{"ingressRate", 4000000}, {"ingressBurst", 40000}};
  REQUIRE(lab.run(test::ours("bandwidth"), "ADD", "b3", c.path(), conf).rc == 0);
  CHECK(qdiscs(lab)[veth + " tbf"]["options"]["rate"] == 500000);
  CHECK(qdiscs(lab).count(ifb_of(lab.network, "b3") + " tbf") == 0);
  REQUIRE(lab.run(test::ours("bandwidth"), "DEL", "b3", c.path(), conf).rc == 0);
  lab.host.exec("tc qdisc del dev " + veth + " root");

  // A top-level key wins over runtimeConfig as a whole.
  conf["egressRate"] = 8000000;
  conf["egressBurst"] = 80000;
  REQUIRE(lab.run(test::ours("bandwidth"), "ADD", "b3", c.path(), conf).rc == 0);
  CHECK(qdiscs(lab).count(veth + " tbf") == 0);
  CHECK(qdiscs(lab).count(ifb_of(lab.network, "b3") + " tbf") == 1);
  REQUIRE(lab.run(test::ours("bandwidth"), "DEL", "b3", c.path(), conf).rc == 0);

  auto none = lab.run(test::ours("bandwidth"), "ADD", "b3", c.path(), lab.chained({{"type", "bandwidth"}}, prev));
  REQUIRE(none.rc == 0);
  CHECK(none.json() == prev);
}

TEST_CASE("bandwidth: bad input and interfaces without a veth change nothing", "[bandwidth]") {
  Lab lab;
  test::TestNetns c("mc");
  auto prev = lab.attach(c, "b4");
  const auto veth = lab.host_veth(prev);
  const auto ifb = ifb_of(lab.network, "b4");
  auto untouched = [&] {
    CHECK(qdiscs(lab).count(veth + " tbf") == 0);
    CHECK(qdiscs(lab).count(veth + " ingress") == 0);
    CHECK(lab.host.exec("ip link show dev " + ifb + " 2>/dev/null").empty());
  };
  auto refused = [&](const json& conf, const std::string& words, const std::string& ifname = "eth0") {
    auto r = lab.run(test::ours("bandwidth"), "ADD", "b4", c.path(), conf, ifname);
    INFO(r.out << r.err);
    CHECK(r.rc != 0);
    CHECK_THAT(r.out, Catch::Contains(words));
    untouched();
  };
  refused(bw_conf(lab, prev, 8000000, 0, 0, 0), "if rate is set, burst must also be set");
  refused(bw_conf(lab, prev, 0, 0, 0, 80000), "if burst is set, rate must also be set");
  refused(bw_conf(lab, prev, 8000000, 80000, 8000000, 34359738368ull), "burst cannot be more than 4GB");
  auto negative = bw_conf(lab, prev, 8000000, 80000, 0, 0);
  negative["ingressRate"] = -1;
  refused(negative, "ingressRate");
  refused(bw_conf(lab, json(), 8000000, 80000, 0, 0), "must be called as chained plugin");
  // A container link that is no veth (a bridge device here) has no host end to shape.
  c.exec("ip link add eth1 type bridge");
  refused(bw_conf(lab, prev, 8000000, 80000, 8000000, 80000), "has no veth peer", "eth1");
  // A qdisc someone else put on the host veth: our ADD fails and leaves it there.
  lab.host.exec("tc qdisc add dev " + veth + " root handle 1: tbf rate 1mbit burst 10kb latency 10ms");
  auto r = lab.run(test::ours("bandwidth"), "ADD", "b4", c.path(), bw_conf(lab, prev, 8000000, 80000, 8000000, 80000));
  CHECK(r.rc != 0);
  CHECK_THAT(lab.host.exec("tc qdisc show dev " + veth + " root"), Catch::Contains("rate 1Mbit"));
  CHECK(lab.host.exec("ip link show dev " + ifb + " 2>/dev/null").empty());
  lab.host.exec("tc qdisc del dev " + veth + " root");
  // A veth whose host end prevResult does not list.
  auto stranger = prev;
  stranger["interfaces"] = json::array({prev["interfaces"][0], prev["interfaces"][2]});
  for (auto& ip : stranger["ips"]) ip["interface"] = 1;
  refused(bw_conf(lab, stranger, 8000000, 80000, 8000000, 80000), "no veth peer of container interface");
}
