// Port mapping without a kernel: the attachment tag every rule carries, the reference's
// iptables chain name, the nft conditions subset, and the configs of portmap and
// mesos-cni-port-mapper (defaults, the reference's messages, every refusal).
#include <catch2/catch.hpp>

#include "../../plugins/mesos-port-mapper/config.hpp"
#include "../../plugins/portmap/config.hpp"
#include "cni/spec/attachment.hpp"
#include "cni/base/error.hpp"
#include "cni/net/hostport.hpp"
#include "cni/kernel/nft_conditions.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {

json prev() {
  return json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"br0"},{"name":"vethx"},{"name":"eth0","sandbox":"/x"},
    {"name":"eth1","sandbox":"/x"}],
    "ips":[{"interface":0,"address":"10.9.9.1/24"},{"interface":3,"address":"10.9.8.2/24"},
           {"interface":2,"address":"10.9.7.2/24"},{"interface":2,"address":"10.9.7.3/24"},
           {"address":"fd00::5/64"},{"interface":2,"address":"fd00::2/64"}]})");
}

json pm(json extra = json::object()) {
  json c{{"cniVersion", "1.0.0"}, {"name", "pmnet"}, {"type", "portmap"}, {"prevResult", prev()}};
  c["runtimeConfig"]["portMappings"] = json::array({{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "TCP"}}});
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}

portmap::PortmapConfig parse_pm(const json& j, const std::string& ifname = "eth0") {
  return portmap::parse_config(cni::NetConf::parse(j.dump()), ifname);
}

}  // namespace

TEST_CASE("attachment tag: the reference's masquerade prefix, one scheme for every rule", "[unit][hostport]") {
  cni::Attachment a{"mynet", "abc", "eth0"};
  const auto tag = cni::attachment_tag(a);
  REQUIRE(tag.size() == 33);
  CHECK(tag.substr(0, 16) == cni::network_tag("mynet"));
  const auto c = cni::attachment_comment(a, " udp 5353");
  CHECK(c == tag + " udp 5353, net: mynet, if: eth0, id: abc");
  CHECK(cni::comment_has_tag(c, tag));
  CHECK(cni::comment_detail(c, tag) == " udp 5353");
  CHECK(cni::comment_has_tag(cni::attachment_comment(a), tag));
  CHECK_FALSE(cni::comment_has_tag(c, cni::attachment_tag({"mynet", "abc", "eth1"})));
  CHECK_FALSE(cni::comment_has_tag(c, cni::attachment_tag({"othernet", "abc", "eth0"})));
  CHECK_FALSE(cni::comment_has_tag(c, cni::attachment_tag({"mynet", "abd", "eth0"})));
  // Long IDs are cut to what nft accepts, the tag (and detail) kept whole.
  const auto long_c = cni::attachment_comment({"mynet", std::string(200, 'x'), "eth0"}, " tcp 1");
  CHECK(long_c.size() == cni::kRuleCommentMax);
  CHECK(cni::comment_detail(long_c, cni::attachment_tag({"mynet", std::string(200, 'x'), "eth0"})) == " tcp 1");
}

TEST_CASE("hostport iptables: the reference's chain names", "[unit][hostport]") {
  // Vectors from the reference's own tests (pkg/utils, portmap_iptables_test.go).
  CHECK(cni::hostport::iptables::dnat_chain({"mynet", "abc", "eth0"}) == "CNI-DN-e88f49d94512ff752ebe6");
  CHECK(cni::hostport::iptables::dnat_chain({"mynet", "abc", "eth0"}).size() == 28);
}

TEST_CASE("nft conditions: the subset, joined or split tokens, and refusals", "[unit][hostport]") {
  using cni::nft::Condition;
  auto c = cni::nft::parse_conditions({"ip", "daddr", "!=", "192.0.2.0/24"}, 4, "conditionsV4");
  REQUIRE(c.size() == 1);
  CHECK(c[0].field == Condition::Field::daddr);
  CHECK_FALSE(c[0].equal);
  CHECK(c[0].cidrs[0].str() == "192.0.2.0/24");
  c = cni::nft::parse_conditions({"ip saddr 10.0.0.5 iifname != \"eth*\"", "meta oifname", "br0"}, 4, "k");
  REQUIRE(c.size() == 3);
  CHECK(c[0].cidrs[0].prefix == 32);
  CHECK(c[1].field == Condition::Field::iifname);
  CHECK(c[1].prefix);
  CHECK(c[1].ifname == "eth");
  CHECK(c[2].field == Condition::Field::oifname);
  CHECK(c[2].equal);
  c = cni::nft::parse_conditions({"ip6 daddr != { fd00::/8, 2001:db8::1 }"}, 6, "conditionsV6");
  REQUIRE(c.size() == 1);
  CHECK(c[0].cidrs.size() == 2);
  CHECK(cni::nft::parse_conditions({}, 4, "k").empty());

  for (const auto& [tokens, family] : std::vector<std::pair<std::vector<std::string>, int>>{
           {{"ip", "daddr"}, 4},
           {{"ip", "daddr", "300.1.2.3"}, 4},
           {{"ip6", "daddr", "::1"}, 4},
           {{"ip", "daddr", "10.0.0.1"}, 6},
           {{"ip", "daddr", "{", "10.0.0.1", "}"}, 4},
           {{"ip", "daddr", "!=", "{", "10.0.0.1"}, 4},
           {{"tcp", "dport", "80"}, 4},
           {{"iifname", "a/b"}, 4},
           {{"iifname", "averyveryverylongname"}, 4},
           {{"counter"}, 4},
       }) {
    int code = 0;
    auto msg = test::error_message([&] { cni::nft::parse_conditions(tokens, family, "conditionsV4"); }, &code);
    INFO(msg);
    CHECK(code == cni::kInvalidNetworkConfig);
    CHECK(msg.find("conditionsV4") != std::string::npos);
  }
}

TEST_CASE("portmap config: defaults, addresses from prevResult, the backend", "[unit][portmap]") {
  auto c = parse_pm(pm());
  CHECK(c.snat);
  CHECK_FALSE(c.masq_all);
  CHECK(c.mark_masq_bit == 13);
  CHECK(c.backend == portmap::Backend::nftables);
  REQUIRE(c.mappings.size() == 1);
  CHECK(c.mappings[0].proto == 6);
  // First v4/v6 of eth0 in a sandbox, or of no known interface: the reference's selection.
  REQUIRE(c.ip4);
  CHECK(c.ip4->str() == "10.9.7.2/24");
  REQUIRE(c.ip6);
  CHECK(c.ip6->str() == "fd00::5/64");
  CHECK(parse_pm(pm(), "eth1").ip4->str() == "10.9.8.2/24");

  // iptables-only options without a backend pick iptables (a config written for the
  // reference's default keeps working); an explicit backend that contradicts them is refused.
  CHECK(parse_pm(pm({{"externalSetMarkChain", "KUBE-MARK-MASQ"}})).backend == portmap::Backend::iptables);
  CHECK(parse_pm(pm({{"conditionsV4", {"!", "-d", "192.0.2.0/24"}}})).backend == portmap::Backend::iptables);
  CHECK(parse_pm(pm({{"conditionsV4", {"ip", "daddr", "192.0.2.1"}}})).backend == portmap::Backend::nftables);
  CHECK(test::error_message([] { parse_pm(pm({{"backend", "iptables"}, {"conditionsV4", {"aaa", "bbbb"}}, {"conditionsV6", {"ccc"}}})); }) ==
        "iptables backend was requested but configuration contains nftables-specific options [conditionsV4 conditionsV6]");
  CHECK(test::error_message([] {
          parse_pm(pm({{"backend", "nftables"}, {"externalSetMarkChain", "KUBE-MARK-MASQ"}, {"conditionsV4", {"-a", "b"}},
                       {"conditionsV6", {"-c", "d"}}}));
        }) == "nftables backend was requested but configuration contains iptables-specific options "
              "[externalSetMarkChain conditionsV4 conditionsV6]");
  CHECK(test::error_message([] { parse_pm(pm({{"backend", "ebtables"}})); }) == "unrecognized backend \"ebtables\"");
  CHECK(test::error_message([] { parse_pm(pm({{"markMasqBit", 5}, {"externalSetMarkChain", "X"}})); }) ==
        "Cannot specify externalSetMarkChain and markMasqBit");
  CHECK(test::error_message([] { parse_pm(pm({{"markMasqBit", 32}})); }) == "MasqMarkBit must be between 0 and 31");
  CHECK(parse_pm(pm({{"markMasqBit", 31}})).mark_masq_bit == 31);
}

TEST_CASE("portmap config: port mappings and what ADD needs", "[unit][portmap]") {
  auto mapped = [](json m) {
    auto j = pm();
    j["runtimeConfig"]["portMappings"] = json::array({m});
    return j;
  };
  CHECK(test::error_message([&] { parse_pm(mapped({{"hostPort", 0}, {"containerPort", 80}})); }) == "Invalid host port number: 0");
  CHECK(test::error_message([&] { parse_pm(mapped({{"hostPort", 80}, {"containerPort", 65536}})); }) ==
        "Invalid container port number: 65536");
  CHECK(test::error_message([&] { parse_pm(mapped({{"hostPort", 80}, {"containerPort", 80}, {"protocol", "gre"}})); })
            .find("unknown protocol") != std::string::npos);
  CHECK(parse_pm(mapped({{"hostPort", 80}, {"containerPort", 80}})).mappings[0].proto == 6);  // no protocol: tcp
  CHECK(parse_pm(mapped({{"hostPort", 80}, {"containerPort", 80}, {"protocol", "SCTP"}})).mappings[0].proto == 132);
  CHECK(test::error_message([&] { parse_pm(mapped({{"hostPort", 80}, {"containerPort", 80}, {"hostIP", "1.2.3"}})); }) ==
        "invalid hostIP \"1.2.3\"");
  int code = 0;
  test::error_message([&] { parse_pm(mapped({{"hostPort", "80"}, {"containerPort", 80}})); }, &code);
  CHECK(code == cni::kInvalidNetworkConfig);

  // ADD: a prevResult is needed, and a hostIP must have a container address of its family.
  auto no_prev = pm();
  no_prev.erase("prevResult");
  auto conf = cni::NetConf::parse(no_prev.dump());
  CHECK(test::error_message([&] { portmap::check_mappable(conf, portmap::parse_config(conf, "eth0")); }) ==
        "must be called as chained plugin");
  auto v4_only = mapped({{"hostPort", 80}, {"containerPort", 80}, {"hostIP", "2001:db8::1"}});
  v4_only["prevResult"]["ips"] = json::array({{{"address", "10.0.0.2/24"}}});
  conf = cni::NetConf::parse(v4_only.dump());
  CHECK(test::error_message([&] { portmap::check_mappable(conf, portmap::parse_config(conf, "eth0")); }).find("no IPv6 address") !=
        std::string::npos);

  // Forwards: a hostIP's mapping goes only to its family.
  auto both = pm();
  both["runtimeConfig"]["portMappings"] = json::array({{{"hostPort", 1}, {"containerPort", 1}},
                                                       {{"hostPort", 2}, {"containerPort", 2}, {"hostIP", "192.0.2.1"}},
                                                       {{"hostPort", 3}, {"containerPort", 3}, {"hostIP", "::"}}});
  auto f = portmap::forwards(parse_pm(both));
  REQUIRE(f.size() == 2);
  CHECK(f[0].mappings.size() == 2);
  CHECK(f[1].mappings.size() == 2);
  CHECK(f[1].mappings[1].host_port == 3);
}

namespace {
json mpm(json network_info, json extra = json::object()) {
  json c{{"name", "mesos-bridge"}, {"type", "mesos-cni-port-mapper"}, {"chain", "MESOS-BRIDGE-PORT-MAPPER"},
         {"delegate", {{"type", "bridge"}, {"bridge", "mesos-bridge"}}},
         {"args", {{"org.apache.mesos", {{"network_info", network_info}}}}}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}
mesos_port_mapper::MapperConfig parse_mpm(const json& j) {
  return mesos_port_mapper::parse_config(cni::NetConf::parse(j.dump()));
}
}  // namespace

TEST_CASE("mesos-cni-port-mapper config: Mesos's keys and network_info's port mappings", "[unit][mesos]") {
  auto c = parse_mpm(mpm({{"port_mappings", json::array({{{"host_port", 8080}, {"container_port", 80}},
                                                          {{"host_port", "9090"}, {"container_port", 90}, {"protocol", "udp,TCP"}},
                                                          {{"host_port", 8080}, {"container_port", 80}, {"protocol", "tcp"}}})}}));
  CHECK(c.chain == "MESOS-BRIDGE-PORT-MAPPER");
  CHECK(c.delegate_type == "bridge");
  REQUIRE(c.mappings.size() == 3);  // the duplicate 8080/tcp taken once, "udp,TCP" both
  CHECK(c.mappings[1].proto == 17);
  CHECK(c.mappings[2].proto == 6);
  CHECK(c.mappings[2].host_port == 9090);
  // The delegate reads the delegate object with the outer name and args; nothing else added.
  CHECK(c.delegate_conf["name"] == "mesos-bridge");
  CHECK(c.delegate_conf["args"]["org.apache.mesos"]["network_info"]["port_mappings"].size() == 3);
  CHECK_FALSE(c.delegate_conf.contains("cniVersion"));

  // No args at all: Mesos's plugin fakes an empty network_info.
  auto no_args = mpm(json::object());
  no_args.erase("args");
  auto na = parse_mpm(no_args);
  CHECK(na.mappings.empty());
  CHECK(na.delegate_conf["args"] == json{{"org.apache.mesos", {{"network_info", json::object()}}}});

  // excludeDevices: every entry kept, duplicates once.
  CHECK(parse_mpm(mpm(json::object(), {{"excludeDevices", {"a", "b", "a"}}})).exclude_devices ==
        std::vector<std::string>{"a", "b"});

  for (const auto& bad : std::vector<json>{
           mpm(json::object(), {{"chain", ""}}),
           mpm(json::object(), {{"chain", "prerouting"}}),
           mpm(json::object(), {{"chain", "has space"}}),
           mpm(json::object(), {{"excludeDevices", {"eth0", 1}}}),
           mpm(json::object(), {{"excludeDevices", "eth0"}}),
           mpm(json::object(), {{"delegate", "bridge"}}),
           mpm(json::object(), {{"delegate", {{"bridge", "x"}}}}),
           mpm(json::object(), {{"args", {{"other", 1}}}}),
           mpm({{"port_mappings", json::array({{{"container_port", 80}}})}}),
           mpm({{"port_mappings", json::array({{{"host_port", 80}, {"container_port", 0}}})}}),
           mpm({{"port_mappings", json::array({{{"host_port", 80}, {"container_port", 8}, {"protocol", "udp,"}}})}}),
           mpm({{"port_mappings", json::array({{{"host_port", 80}, {"container_port", 8}, {"protocol", "icmp"}}})}}),
           mpm({{"port_mappings", json::array({{{"host_port", 80}, {"container_port", 8}},
                                               {{"host_port", 80}, {"container_port", 9}}})}}),
       }) {
    int code = 0;
    auto msg = test::error_message([&] { parse_mpm(bad); }, &code);
    INFO(bad.dump() << " -> " << msg);
    CHECK(code == cni::kInvalidNetworkConfig);
  }
  auto no_chain = mpm(json::object());
  no_chain.erase("chain");
  CHECK(test::error_message([&] { parse_mpm(no_chain); }) == "Required field 'chain' is missing");
}
