// The meta plugins' configs without a kernel (tuning, bandwidth, firewall, sbr, vrf,
// cnipp-chain): defaults, precedence, the reference's messages, every refusal; and the
// reference's TBF arithmetic.
#include <catch2/catch.hpp>

#include "../../plugins/bandwidth/config.hpp"
#include "../../plugins/cnipp-chain/config.hpp"
#include "../../plugins/firewall/config.hpp"
#include "../../plugins/sbr/config.hpp"
#include "../../plugins/tuning/config.hpp"
#include "../../plugins/vrf/config.hpp"
#include "cni/base/error.hpp"
#include "cni/runtime/netconf_list.hpp"
#include "cni/kernel/tc.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {

json prev() {
  return json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"br0"},{"name":"vethx"},{"name":"eth0","sandbox":"/x"},
    {"name":"eth1","sandbox":"/x"}],
    "ips":[{"interface":2,"address":"10.9.7.2/24","gateway":"10.9.7.1"},{"interface":3,"address":"10.9.8.2/24"},
           {"address":"fd00::5/64"},{"interface":2,"address":"fd00::2/64"}]})");
}

cni::NetConf conf_of(json extra, bool with_prev = true) {
  json c{{"cniVersion", "1.0.0"}, {"name", "n"}, {"type", "x"}};
  if (with_prev) c["prevResult"] = prev();
  for (auto& [k, v] : extra.items()) c[k] = v;
  return cni::NetConf::parse(c.dump());
}

tuning::TuningConfig tuning_of(json extra, const std::string& ifname = "eth0", const std::string& cni_args = "",
                               std::optional<std::vector<std::string>> allow = std::nullopt) {
  return tuning::parse_config(conf_of(std::move(extra)), ifname, cni_args, allow);
}

}  // namespace

TEST_CASE("tuning config: sysctl keys become paths, IFNAME after the dots, net.* only", "[unit][tuning]") {
  auto c = tuning_of({{"sysctl", {{"net.ipv4.conf.IFNAME.rp_filter", "1"}, {"net/core/somaxconn", "10"}}}}, "eth0.100");
  REQUIRE(c.sysctls.size() == 2);
  CHECK(c.sysctls[0].path == "net/ipv4/conf/eth0.100/rp_filter");
  CHECK(c.sysctls[0].key == "net.ipv4.conf.IFNAME.rp_filter");
  CHECK(c.sysctls[1].path == "net/core/somaxconn");  // slashes pass as they are
  int code = 0;
  for (const char* bad : {"kernel.hostname", "net", "net..ipv4", "net.", "netx.y", "net/../kernel/x"}) {
    INFO(bad);
    CHECK(test::error_message([&] { tuning_of({{"sysctl", {{bad, "1"}}}}); }, &code) != "");
    CHECK(code == 7);
  }
  CHECK_THAT(test::error_message([&] { tuning_of({{"sysctl", {{"net.a", 1}}}}); }), Catch::Contains("must be a string"));
  CHECK_THAT(test::error_message([&] { tuning_of({{"sysctl", {{"net.a", "1\n2"}}}}); }), Catch::Contains("line break"));
  CHECK_THAT(test::error_message([&] { tuning_of({{"sysctl", "x"}}); }), Catch::Contains("must be an object"));
}

TEST_CASE("tuning config: args.cni merges and overrides only what it names", "[unit][tuning]") {
  // No "sysctl" in the config: the reference crashes here (nil map); we merge.
  auto c = tuning_of({{"args", {{"cni", {{"sysctl", {{"net.core.somaxconn", "5"}}}}}}}});
  REQUIRE(c.sysctls.size() == 1);
  CHECK(c.sysctls[0].value == "5");
  c = tuning_of({{"sysctl", {{"net.core.somaxconn", "1"}, {"net.a", "2"}}},
                 {"mtu", 1400},
                 {"promisc", true},
                 {"args", {{"cni", {{"sysctl", {{"net.core.somaxconn", "9"}}}, {"allmulti", false}, {"txQLen", 0}}}}}});
  REQUIRE(c.sysctls.size() == 2);
  CHECK(c.sysctls[1].value == "9");
  CHECK(c.mtu == 1400);  // not named by args.cni: kept (the reference zeroes it)
  CHECK(c.promisc);
  CHECK(c.allmulti == false);
  CHECK(c.txqlen == 0);
  CHECK(c.changes_link());
  CHECK_FALSE(tuning_of(json::object()).changes_link());
}

TEST_CASE("tuning config: MAC precedence and formats", "[unit][tuning]") {
  json conf{{"mac", "02:00:00:00:00:01"}};
  CHECK(cni::mac_str(*tuning_of(conf).mac) == "02:00:00:00:00:01");
  CHECK(cni::mac_str(*tuning_of(conf, "eth0", "IgnoreUnknown=1;MAC=02:00:00:00:00:02;X=y").mac) == "02:00:00:00:00:02");
  conf["runtimeConfig"]["mac"] = "02:00:00:00:00:03";
  CHECK(cni::mac_str(*tuning_of(conf, "eth0", "MAC=02:00:00:00:00:02").mac) == "02:00:00:00:00:03");
  conf["args"]["cni"]["mac"] = "0200.0000.0004";
  CHECK(cni::mac_str(*tuning_of(conf, "eth0", "MAC=02:00:00:00:00:02").mac) == "02:00:00:00:00:04");
  CHECK(cni::mac_str(*tuning::parse_mac("0A-0B-0C-0D-0E-0F")) == "0a:0b:0c:0d:0e:0f");
  for (const char* bad : {"02:00:00:00:00", "02:00-00:00:00:01", "0200.0000", "zz:00:00:00:00:01", ""})
    CHECK_FALSE(tuning::parse_mac(bad));
  CHECK_THAT(test::error_message([&] { tuning_of({{"mac", "x"}}); }), Catch::Contains("invalid MAC address \"x\""));
  // An unknown CNI_ARGS key is refused unless IgnoreUnknown, as the reference does.
  CHECK(test::error_message([&] { tuning_of(json::object(), "eth0", "FOO=1"); }) != "");
}

TEST_CASE("tuning config: the allowlist's patterns, unanchored, against the key as written", "[unit][tuning]") {
  test::TempDir d;
  test::write_file(d / "allow.conf", "  ^net\\.core\\..*  \n\n\tnet.ipv4.conf.IFNAME.rp_filter\n");
  auto allow = tuning::read_allowlist(d / "allow.conf");
  REQUIRE(allow);
  CHECK(*allow == std::vector<std::string>{"^net\\.core\\..*", "net.ipv4.conf.IFNAME.rp_filter"});
  CHECK_FALSE(tuning::read_allowlist(d / "none.conf"));
  CHECK_NOTHROW(tuning_of({{"sysctl", {{"net.core.somaxconn", "1"}, {"net.ipv4.conf.IFNAME.rp_filter", "1"}}}}, "eth0", "", allow));
  CHECK_THAT(test::error_message([&] { tuning_of({{"sysctl", {{"net.ipv4.ip_forward", "1"}}}}, "eth0", "", allow); }),
             Catch::Contains("Sysctl net.ipv4.ip_forward is not allowed. Only the following sysctls are allowed: [^net"));
  CHECK_THAT(test::error_message([&] { tuning_of({{"sysctl", {{"net.a", "1"}}}}, "eth0", "", std::vector<std::string>{"("}); }),
             Catch::Contains("invalid pattern"));
}

TEST_CASE("tuning config: dataDir", "[unit][tuning]") {
  CHECK(tuning_of(json::object()).data_dir == "/run/cni/tuning");
  CHECK(tuning_of({{"dataDir", ""}}).data_dir == "/run/cni/tuning");
  CHECK(tuning_of({{"dataDir", "/d"}}).data_dir == "/d");
  CHECK_THAT(test::error_message([&] { tuning_of({{"dataDir", "rel"}}); }), Catch::Contains("absolute"));
}

TEST_CASE("bandwidth config: the reference's rules, config over runtimeConfig, the ifb name", "[unit][bandwidth]") {
  auto l = bandwidth::parse_config(conf_of({{"ingressRate", 800}, {"ingressBurst", 80}}));
  CHECK(l.shapes_ingress());
  CHECK_FALSE(l.shapes_egress());
  auto rc = conf_of({{"runtimeConfig", {{"bandwidth", {{"egressRate", 8}, {"egressBurst", 8}}}}}});
  CHECK(bandwidth::parse_config(rc).shapes_egress());
  auto both = conf_of({{"ingressRate", 0}, {"runtimeConfig", {{"bandwidth", {{"egressRate", 8}, {"egressBurst", 8}}}}}});
  CHECK(bandwidth::parse_config(both).none());  // any top-level key: runtimeConfig is not read
  CHECK(bandwidth::parse_config(conf_of(json::object())).none());
  CHECK(test::error_message([&] { bandwidth::parse_config(conf_of({{"egressRate", 8}})); }) == "if rate is set, burst must also be set");
  CHECK(test::error_message([&] { bandwidth::parse_config(conf_of({{"egressBurst", 8}})); }) == "if burst is set, rate must also be set");
  CHECK(test::error_message([&] { bandwidth::parse_config(conf_of({{"egressRate", 8}, {"egressBurst", 34359738360ull}})); }) ==
        "burst cannot be more than 4GB");
  CHECK_NOTHROW(bandwidth::parse_config(conf_of({{"egressRate", 8}, {"egressBurst", 34359738352ull}})));
  CHECK_THAT(test::error_message([&] { bandwidth::parse_config(conf_of({{"egressRate", -8}, {"egressBurst", 8}})); }),
             Catch::Contains("egressRate"));
  CHECK_THAT(test::error_message([&] { bandwidth::parse_config(conf_of({{"egressRate", "8"}, {"egressBurst", 8}})); }),
             Catch::Contains("egressRate"));
  CHECK_THAT(test::error_message([&] { bandwidth::parse_config(conf_of({{"runtimeConfig", {{"bandwidth", 1}}}})); }),
             Catch::Contains("must be an object"));
  CHECK(bandwidth::ifb_name("bwnet", "c1") == "bwp459546d14214");  // what the reference made for these
  CHECK(bandwidth::ifb_name("x", "y").size() == 15);
}

TEST_CASE("tc: the reference's TBF numbers", "[unit][bandwidth]") {
  // /proc/net/psched: the kernel's nanoseconds per microsecond and per tick.
  unsigned ns_per_us = 0, ns_per_tick = 0;
  REQUIRE(std::sscanf(test::read_file("/proc/net/psched").c_str(), "%x %x", &ns_per_us, &ns_per_tick) == 2);
  const double ticks_per_us = static_cast<double>(ns_per_us) / ns_per_tick;
  auto t = cni::tc::tbf_for(8000000, 80000);  // 1 MB/s, 10 kB
  CHECK(t.rate == 1000000);
  CHECK(t.buffer == static_cast<uint32_t>(10000 * ticks_per_us));
  CHECK(t.limit == 25000 + 10000);
  CHECK(cni::tc::state_of(t).bucket == 10000);
  // The microseconds are whole before they become ticks (the reference's rounding).
  auto odd = cni::tc::tbf_for(12345678, 98765);  // 1543209 B/s, 12345 B: 7999.6... us
  CHECK(odd.buffer == static_cast<uint32_t>(7999 * ticks_per_us));
  CHECK(odd.limit == static_cast<uint32_t>(1543209 * 0.025) + 12345);
  // Rates past 32 bits keep their value (TCA_TBF_RATE64).
  CHECK(cni::tc::tbf_for(300000000000ull, 8000000).rate == 37500000000ull);
}

TEST_CASE("firewall config: backends, admin chain, ingress policy, the addresses", "[unit][firewall]") {
  auto c = firewall::parse_config(conf_of(json::object()));
  CHECK(c.backend == firewall::Backend::automatic);
  CHECK(c.admin_chain == "CNI-ADMIN");
  CHECK(c.firewalld_zone == "trusted");
  CHECK(c.ingress == firewall::IngressPolicy::open);
  CHECK(c.ips.size() == 4);  // every address of prevResult, as the reference takes them
  CHECK(c.bridge == "br0");
  CHECK(firewall::parse_config(conf_of({{"backend", "iptables"}})).backend == firewall::Backend::iptables);
  CHECK(firewall::parse_config(conf_of({{"backend", "nftables"}})).backend == firewall::Backend::nftables);
  CHECK(firewall::parse_config(conf_of({{"ingressPolicy", "open"}})).ingress == firewall::IngressPolicy::open);
  CHECK(firewall::parse_config(conf_of({{"ingressPolicy", "same-bridge"}})).ingress == firewall::IngressPolicy::same_bridge);
  CHECK(firewall::parse_config(conf_of({{"iptablesAdminChainName", "MINE"}})).admin_chain == "MINE");
  CHECK_THAT(test::error_message([&] { firewall::parse_config(conf_of({{"backend", "x"}})); }), Catch::Contains("unknown firewall backend"));
  CHECK(firewall::parse_config(conf_of({{"ingressPolicy", "isolated"}})).ingress == firewall::IngressPolicy::isolated);
  CHECK_THAT(test::error_message([&] { firewall::parse_config(conf_of({{"ingressPolicy", "strict"}})); }),
             Catch::Contains("unknown ingress policy"));
  for (const char* bad : {"A B", "A\"B", "-A", "012345678901234567890123456789"})
    CHECK_THAT(test::error_message([&] { firewall::parse_config(conf_of({{"iptablesAdminChainName", bad}})); }),
               Catch::Contains("iptablesAdminChainName"));
  auto noif = prev();
  noif["interfaces"] = json::array();
  for (auto& ip : noif["ips"]) ip.erase("interface");
  auto nc = conf_of({{"ingressPolicy", "same-bridge"}, {"prevResult", noif}});
  auto fc = firewall::parse_config(nc);
  CHECK_THAT(test::error_message([&] { firewall::require_bridge(nc, fc); }), Catch::Contains("make sure to chain"));
  // DEL works without prevResult: no addresses, no error.
  CHECK(firewall::parse_config(conf_of({{"ingressPolicy", "same-bridge"}}, false)).ips.empty());
}

TEST_CASE("sbr config: the interface's addresses, the table key", "[unit][sbr]") {
  auto c = sbr::parse_config(conf_of(json::object()), "eth0");
  REQUIRE(c.ips.size() == 3);  // eth0's two and the one without an interface index
  CHECK(c.ips[0].address.str() == "10.9.7.2/24");
  CHECK(c.ips[1].address.str() == "fd00::5/64");
  CHECK(sbr::parse_config(conf_of(json::object()), "eth1").ips.size() == 2);
  CHECK_FALSE(c.table);
  CHECK(sbr::parse_config(conf_of({{"table", 300}}), "eth0").table == 300);
  for (int bad : {0, 253, 254, 255, -1})
    CHECK(test::error_message([&] { sbr::parse_config(conf_of({{"table", bad}}), "eth0"); }) != "");
}

TEST_CASE("vrf config: vrfname required and a valid link name, table", "[unit][vrf]") {
  CHECK(vrf::parse_config(conf_of({{"vrfname", "red"}})).name == "red");
  CHECK_FALSE(vrf::parse_config(conf_of({{"vrfname", "red"}})).table);
  CHECK(vrf::parse_config(conf_of({{"vrfname", "red"}, {"table", 7}})).table == 7u);
  CHECK(test::error_message([&] { vrf::parse_config(conf_of(json::object())); }) == "configuration is expected to have a valid vrf name");
  CHECK_THAT(test::error_message([&] { vrf::parse_config(conf_of({{"vrfname", "a/b"}})); }), Catch::Contains("invalid vrfname"));
  CHECK_THAT(test::error_message([&] { vrf::parse_config(conf_of({{"vrfname", "abcdefghijklmnop"}})); }), Catch::Contains("invalid vrfname"));
  CHECK_THAT(test::error_message([&] { vrf::parse_config(conf_of({{"vrfname", "r"}, {"table", 255}})); }), Catch::Contains("reserved"));
}

TEST_CASE("cnipp-chain config: Mesos's port mappings and labels become capability args and args.cni.labels", "[unit][cnipp-chain]") {
  json conf{{"name", "mnet"}, {"type", "cnipp-chain"},
            {"plugins", json::array({{{"type", "bridge"}, {"args", {{"own", 1}}}},
                                     {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}})}};
  conf["args"]["org.apache.mesos"]["network_info"] = {
      {"name", "mnet"},
      {"labels", {{"labels", json::array({{{"key", "a"}, {"value", "b"}}})}}},
      {"port_mappings", json::array({{{"host_port", "8080"}, {"container_port", 80}},
                                     {{"host_port", 53}, {"container_port", 5353}, {"protocol", "UDP,tcp"}}})}};
  auto c = chain::parse_config(cni::NetConf::parse(conf.dump()));
  CHECK(c.cache_dir == "/var/lib/cni");
  CHECK(c.capability_args["portMappings"] ==
        json::parse(R"([{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
                        {"hostPort":53,"containerPort":5353,"protocol":"udp"},
                        {"hostPort":53,"containerPort":5353,"protocol":"tcp"}])"));
  REQUIRE(c.plugins.size() == 2);
  CHECK(c.plugins[0]["args"]["own"] == 1);
  CHECK(c.plugins[0]["args"]["cni"]["labels"] == json::array({{{"key", "a"}, {"value", "b"}}}));
  CHECK(c.plugins[1]["args"].contains("org.apache.mesos"));
  // The list the runtime runs: the chain's name, the negotiated version, the plugins.
  auto list = cni::NetConfList::from_bytes(chain::list_document(c, "1.0.0"));
  CHECK(list.name == "mnet");
  CHECK(list.cni_version == "1.0.0");
  CHECK(list.capabilities() == std::vector<std::string>{"portMappings"});

  // A runtime that passes runtimeConfig itself keeps its own portMappings.
  conf["runtimeConfig"]["portMappings"] = json::array();
  CHECK(chain::parse_config(cni::NetConf::parse(conf.dump())).capability_args["portMappings"] == json::array());
}

TEST_CASE("cnipp-chain config: refusals", "[unit][cnipp-chain]") {
  auto refuse = [](json conf, const std::string& words) {
    conf["name"] = "mnet";
    conf["type"] = "cnipp-chain";
    int code = 0;
    CHECK_THAT(test::error_message([&] { chain::parse_config(cni::NetConf::parse(conf.dump())); }, &code), Catch::Contains(words));
    CHECK(code == 7);
  };
  refuse(json::object(), "non-empty list");
  refuse({{"plugins", json::array()}}, "non-empty list");
  refuse({{"plugins", json::array({{{"type", "cnipp-chain"}}})}}, "chains do not nest");
  refuse({{"plugins", json::array({json::object()})}}, "no \"type\"");
  refuse({{"plugins", json::array({{{"type", "a/b"}}})}}, "must not contain '/'");
  refuse({{"plugins", json::array({{{"type", "x"}}})}, {"cacheDir", "rel"}}, "absolute");
  json bad{{"plugins", json::array({{{"type", "x"}}})}};
  bad["args"]["org.apache.mesos"]["network_info"]["port_mappings"] = json::array({{{"host_port", 1}, {"container_port", 1}, {"protocol", "icmp"}}});
  refuse(bad, "unknown protocol \"icmp\"");
  bad["args"]["org.apache.mesos"]["network_info"]["port_mappings"] =
      json::array({{{"host_port", 1}, {"container_port", 1}}, {{"host_port", 1}, {"container_port", 2}}});
  refuse(bad, "mapped to two container ports");
}
