// The overlay's formats and their checks, without a store or a kernel: the network config
// and lease as ZooKeeper holds them, the pool arithmetic, which leases an agent believes,
// the state file the plugin reads, and the plugin's own config.
#include <catch2/catch.hpp>

#include "auth.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"
#include "lease.hpp"
#include "network.hpp"
#include "state_file.hpp"
#include "../../plugins/cnipp-overlay/config.hpp"

using overlay::Lease;
using overlay::NetworkConfig;

namespace {

NetworkConfig net16() { return NetworkConfig::decode(R"({"subnet":"10.96.0.0/16","subnetLen":24,"vni":1,"port":4789})"); }

std::string lease_json(const std::string& node, const std::string& subnet, const std::string& ip,
                       const std::string& mac = "") {
  auto m = mac.empty() ? cni::mac_str(overlay::vtep_mac_for(*cni::IpAddr::parse(ip))) : mac;
  return nlohmann::json{{"node", node}, {"subnet", subnet}, {"underlayIP", ip}, {"vtepMAC", m}}.dump();
}

// Why `f` was refused, "accepted" when it was not.
std::string refusal(const std::function<void()>& f) {
  auto e = test::error_of(f);
  return e ? e->msg() : "accepted";
}

}  // namespace

TEST_CASE("overlay network config: decode, encode and the rules", "[overlay]") {
  auto n = net16();
  CHECK(n.subnet.str() == "10.96.0.0/16");
  CHECK(n.subnet_len == 24);
  CHECK(n.subnet_count() == 256);
  CHECK(NetworkConfig::decode(n.encode()) == n);
  CHECK(n.subnet_at(0).str() == "10.96.0.0/24");
  CHECK(n.subnet_at(255).str() == "10.96.255.0/24");
  CHECK(n.index_of(*cni::Cidr::parse("10.96.7.0/24")) == 7u);
  CHECK_FALSE(n.index_of(*cni::Cidr::parse("10.96.7.1/24")));   // host bits
  CHECK_FALSE(n.index_of(*cni::Cidr::parse("10.96.7.0/25")));   // wrong length
  CHECK_FALSE(n.index_of(*cni::Cidr::parse("10.97.7.0/24")));   // outside
  CHECK_FALSE(n.index_of(*cni::Cidr::parse("0.0.0.0/0")));

  auto bad = [](const std::string& text) { return refusal([&] { NetworkConfig::decode(text); }); };
  CHECK(bad(R"({"subnet":"0.0.0.0/0","subnetLen":24,"vni":1,"port":4789})").find("overlaps 0.0.0.0/8") != std::string::npos);
  CHECK(bad(R"({"subnet":"127.0.0.0/16","subnetLen":24,"vni":1,"port":4789})").find("overlaps 127.0.0.0/8") != std::string::npos);
  CHECK(bad(R"({"subnet":"230.0.0.0/16","subnetLen":24,"vni":1,"port":4789})").find("224.0.0.0/3") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.1.0/16","subnetLen":24,"vni":1,"port":4789})").find("host bits") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/23","subnetLen":24,"vni":1,"port":4789})").find("fewer than 4 subnets") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/16","subnetLen":31,"vni":1,"port":4789})").find("longer than /30") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/16","subnetLen":24,"vni":0,"port":4789})").find("vni 0") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/16","subnetLen":24,"vni":16777216,"port":4789})").find("vni") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/16","subnetLen":24,"vni":1,"port":0})").find("port 0") != std::string::npos);
  CHECK(bad(R"({"subnet":"fd00::/64","subnetLen":24,"vni":1,"port":4789})").find("IPv4") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/16","vni":1,"port":4789})").find("no \"subnetLen\"") != std::string::npos);
  CHECK(bad(R"({"subnet":"10.96.0.0/16","subnetLen":"24","vni":1,"port":4789})").find("must be an integer") != std::string::npos);
  CHECK(bad("[1]").find("not a JSON object") != std::string::npos);
  CHECK(bad("{").find("failed to decode") != std::string::npos);
  // The smallest pool allowed: four subnets.
  CHECK(bad(R"({"subnet":"10.96.0.0/22","subnetLen":24,"vni":1,"port":4789})") == "accepted");
}

TEST_CASE("overlay lease keys are flannel's a.b.c.d-len and nothing else", "[overlay]") {
  CHECK(overlay::lease_key(*cni::Cidr::parse("10.96.3.0/24")) == "10.96.3.0-24");
  CHECK(overlay::parse_lease_key("10.96.3.0-24")->str() == "10.96.3.0/24");
  for (const char* k : {"10.96.3.0/24", "10.96.03.0-24", "10.96.3.0-024", "10.96.3.0-", "-24", "10.96.3.0-24 ",
                        "fd00::-64", "10.96.3.0-33", "10.96.3.0-+4", ""})
    CHECK_FALSE(overlay::parse_lease_key(k));
}

TEST_CASE("overlay lease decode refuses what must never reach the kernel", "[overlay]") {
  const auto n = net16();
  auto l = Lease::decode("10.96.3.0-24", lease_json("a1", "10.96.3.0/24", "192.0.2.1"), n);
  CHECK(l.node == "a1");
  CHECK(l.underlay_ip.str() == "192.0.2.1");
  CHECK(cni::mac_str(l.vtep_mac) == "0e:cc:c0:00:02:01");
  CHECK(Lease::decode(l.key, l.encode(), n) == l);

  auto reason = [&](const std::string& key, const std::string& data) {
    return refusal([&] { Lease::decode(key, data, n); });
  };
  CHECK(reason("0.0.0.0-0", lease_json("x", "0.0.0.0/0", "192.0.2.9")).find("default route") != std::string::npos);
  CHECK(reason("10.96.0.0-16", lease_json("x", "10.96.0.0/16", "192.0.2.9")).find("not one of the /24 subnets") != std::string::npos);
  CHECK(reason("10.96.3.0-24", lease_json("x", "0.0.0.0/0", "192.0.2.9")).find("differs from its name") != std::string::npos);
  CHECK(reason("10.97.3.0-24", lease_json("x", "10.97.3.0/24", "192.0.2.9")).find("not one of") != std::string::npos);
  CHECK(reason("10.96.3.0-25", lease_json("x", "10.96.3.0/25", "192.0.2.9")).find("not one of") != std::string::npos);
  for (const char* ip : {"0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1", "fd00::1", "garbage"})
    CHECK(reason("10.96.3.0-24", lease_json("x", "10.96.3.0/24", "192.0.2.9", "0e:cc:00:00:00:01")
                                     .replace(lease_json("x", "10.96.3.0/24", "192.0.2.9", "0e:cc:00:00:00:01").find("192.0.2.9"), 9, ip))
              .find("not a unicast IPv4 address") != std::string::npos);
  CHECK(reason("10.96.3.0-24", lease_json("x", "10.96.3.0/24", "192.0.2.9", "01:00:5e:00:00:01")).find("locally administered") != std::string::npos);
  CHECK(reason("10.96.3.0-24", lease_json("x", "10.96.3.0/24", "192.0.2.9", "00:16:3e:00:00:01")).find("locally administered") != std::string::npos);
  CHECK(reason("10.96.3.0-24", lease_json("x", "10.96.3.0/24", "192.0.2.9", "0e:cc:00:00:01")).find("locally administered") != std::string::npos);
  CHECK(reason("10.96.3.0-24", lease_json("../x", "10.96.3.0/24", "192.0.2.9")).find("invalid node ID") != std::string::npos);
  CHECK(reason("10.96.3.0-24", "garbage").find("failed to decode") != std::string::npos);
  CHECK(reason("10.96.3.0-24", R"({"node":"x"})").find("no string \"subnet\"") != std::string::npos);
  CHECK(reason("10.96.3.0-24", std::string(5000, ' ')).find("more than 4096 bytes") != std::string::npos);
}

TEST_CASE("overlay peers: own lease found, forgeries and copies refused, the older lease wins", "[overlay]") {
  const auto n = net16();
  const overlay::Self self{"a1", cni::Cidr::parse("10.96.1.0/24"), *cni::IpAddr::parse("192.0.2.1")};
  std::vector<overlay::StoredLease> stored{
      {"10.96.1.0-24", lease_json("a1", "10.96.1.0/24", "192.0.2.1"), 10},
      {"10.96.2.0-24", lease_json("a2", "10.96.2.0/24", "192.0.2.2"), 20},
      {"10.96.3.0-24", lease_json("a3", "10.96.3.0/24", "192.0.2.3"), 30},
      // Forgeries, all younger than what they copy:
      {"10.96.4.0-24", lease_json("a1", "10.96.4.0/24", "192.0.2.4"), 40},                        // our node ID
      {"10.96.5.0-24", lease_json("a5", "10.96.5.0/24", "192.0.2.1", "0e:cc:c0:00:02:09"), 50},  // our underlay
      {"10.96.6.0-24", lease_json("a2", "10.96.6.0/24", "192.0.2.6"), 60},                        // a2 again
      {"10.96.7.0-24", lease_json("a7", "10.96.7.0/24", "192.0.2.7", "0e:cc:c0:00:02:02"), 70},  // a2's MAC
      {"10.96.8.0-24", lease_json("a8", "10.96.8.0/24", "192.0.2.3", "0e:cc:c0:00:02:08"), 5},   // older than a3!
      {"0.0.0.0-0", lease_json("evil", "0.0.0.0/0", "192.0.2.66"), 80},
      {"10.96.9.0-24", "{not json", 90},
  };
  auto set = overlay::select_peers(stored, n, self);
  REQUIRE(set.own);
  CHECK(set.own->subnet.str() == "10.96.1.0/24");
  std::vector<std::string> peers;
  for (const auto& p : set.peers) peers.push_back(p.key);
  // a3 came after a8, which holds its underlay address first: a3 loses the tie.
  CHECK(peers == std::vector<std::string>{"10.96.2.0-24", "10.96.8.0-24"});
  std::map<std::string, std::string> why;
  for (const auto& r : set.rejected) why[r.key] = r.reason;
  CHECK(why.size() == 7);
  CHECK(why["10.96.4.0-24"].find("this agent's node ID") != std::string::npos);
  CHECK(why["10.96.5.0-24"].find("this agent's underlay address") != std::string::npos);
  CHECK(why["10.96.6.0-24"].find("repeats the node ID \"a2\" of the older lease 10.96.2.0-24") != std::string::npos);
  CHECK(why["10.96.7.0-24"].find("repeats the VTEP MAC") != std::string::npos);
  CHECK(why["10.96.3.0-24"].find("repeats the underlay address 192.0.2.3 of the older lease 10.96.8.0-24") != std::string::npos);
  CHECK(why["0.0.0.0-0"].find("default route") != std::string::npos);
  CHECK(why["10.96.9.0-24"].find("failed to decode") != std::string::npos);

  // Another node's lease claiming our subnet under our key cannot exist (one znode per key),
  // but one whose data says another node owns our key is refused, and is not "own".
  std::vector<overlay::StoredLease> taken{{"10.96.1.0-24", lease_json("a9", "10.96.1.0/24", "192.0.2.9"), 1}};
  auto t = overlay::select_peers(taken, n, self);
  CHECK_FALSE(t.own);
  CHECK(t.peers.empty());
  REQUIRE(t.rejected.size() == 1);
  CHECK(t.rejected[0].reason.find("this agent's subnet") != std::string::npos);
}

TEST_CASE("overlay state file: round trip, and the plugin's checks of what it reads", "[overlay]") {
  overlay::AgentState s;
  s.network = "ovl";
  s.state = overlay::kStateOk;
  s.subnet = cni::Cidr::parse("10.96.3.0/24");
  s.overlay = cni::Cidr::parse("10.96.0.0/16");
  s.mtu = 1450;
  s.vni = 1;
  auto back = overlay::AgentState::decode(s.encode());
  CHECK(back.ok());
  CHECK(back.subnet == s.subnet);
  CHECK(back.overlay == s.overlay);
  CHECK(back.mtu == 1450);

  auto refuse = [&](const overlay::AgentState& t) { return refusal([&] { overlay::AgentState::decode(t.encode()); }); };
  auto t = s;
  t.subnet = cni::Cidr::parse("10.97.3.0/24");
  CHECK(refuse(t).find("is not a subnet of the overlay") != std::string::npos);
  t = s;
  t.subnet = cni::Cidr::parse("0.0.0.0/0");
  CHECK(refuse(t).find("is not a subnet of the overlay") != std::string::npos);
  t = s;
  t.overlay = cni::Cidr::parse("0.0.0.0/0");
  CHECK(refuse(t).find("overlaps 0.0.0.0/8") != std::string::npos);
  t = s;
  t.mtu = 20;
  CHECK(refuse(t).find("below 68") != std::string::npos);
  t = s;
  t.subnet.reset();
  CHECK(refuse(t).find("missing") != std::string::npos);
  // A state that is not ok needs no subnet.
  t = s;
  t.state = overlay::kStateNoLease;
  t.subnet.reset();
  CHECK(refuse(t) == "accepted");
  CHECK(test::error_of([] { overlay::AgentState::decode("{\"state\": 3}"); })->code() == cni::kDecodingFailure);
  CHECK(test::error_of([] { overlay::AgentState::decode("\x01"); })->code() == cni::kDecodingFailure);
}

TEST_CASE("cnipp-overlay config: defaults, keys an operator may set, and refusals", "[overlay]") {
  auto parse = [](const std::string& text) { return overlay_plugin::parse_config(cni::NetConf::parse(text)); };
  auto c = parse(R"({"name":"ovl","type":"cnipp-overlay"})");
  CHECK(c.state_dir == "/run/cnipp-overlay");
  CHECK(c.data_dir == "/var/lib/cni/cnipp-overlay");
  CHECK(c.ip_masq);
  CHECK(c.is_default_gateway);
  CHECK(c.mtu == 0);
  c = parse(R"({"name":"ovl","type":"cnipp-overlay","stateDir":"/s/","dataDir":"/d","ipMasq":false,"mtu":1400,
               "bridge":"br9","isDefaultGateway":false})");
  CHECK(c.state_dir == "/s");
  CHECK(c.data_dir == "/d");
  CHECK_FALSE(c.ip_masq);
  CHECK(c.mtu == 1400);
  CHECK(c.bridge == "br9");
  CHECK_FALSE(c.is_default_gateway);
  for (const char* bad : {R"({"name":"o","type":"t","stateDir":"rel"})", R"({"name":"o","type":"t","dataDir":"x/y"})",
                          R"({"name":"o","type":"t","mtu":40})", R"({"name":"o","type":"t","mtu":"1400"})",
                          R"({"name":"o","type":"t","ipMasq":"yes"})",
                          R"({"name":"o","type":"t","ipam":{"type":"host-local"}})"})
    CHECK(test::error_of([&] { parse(bad); })->code() == cni::kInvalidNetworkConfig);
}

TEST_CASE("overlay auth file: one line \"digest USER:PASSWORD\"", "[overlay]") {
  auto c = overlay::parse_auth("digest cnipp:pa:ss\n", "f");
  CHECK(c.scheme == "digest");
  CHECK(c.user == "cnipp");
  CHECK(c.password == "pa:ss");  // the first ':' separates, as ZooKeeper's digest does
  CHECK(c.cert() == "cnipp:pa:ss");
  CHECK(overlay::parse_auth("digest u:p\r\n", "f").password == "p");
  for (const char* bad : {"", "\n", "digest", "digest u", "digest :p", "digest u:", "sasl u:p", "digest u p:q",
                          "digest u:p\nsecond", "digest u:p q", "digest u:\x01"})
    CHECK(refusal([&] { overlay::parse_auth(bad, "f"); }).rfind("auth file f: ", 0) == 0);
}
