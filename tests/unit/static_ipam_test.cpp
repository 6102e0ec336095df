// static IPAM's config: the config's addresses, CNI_ARGS IP=/GATEWAY=, args.cni.ips and
// runtimeConfig.ips in the reference's precedence, and every refusal (code 7).
#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "harness.hpp"
#include "../../ipam/static/config.hpp"

using nlohmann::json;

namespace {

json base(const std::string& version = "1.0.0") {
  return {{"cniVersion", version},
          {"name", "snet"},
          {"type", "macvlan"},
          {"ipam",
           {{"type", "static"},
            {"addresses", json::array({{{"address", "10.10.0.1/24"}, {"gateway", "10.10.0.254"}},
                                       {{"address", "3ffe:ffff:0:1ff::1/64"}, {"gateway", "3ffe:ffff::1"}}})},
            {"routes", json::array({{{"dst", "0.0.0.0/0"}}, {{"dst", "192.168.0.0/16"}, {"gw", "10.10.5.1"}}})},
            {"dns", {{"nameservers", json::array({"8.8.8.8"})}, {"domain", "example.com"}}}}}};
}

staticipam::Config load(const json& j, const std::string& args = "") {
  return staticipam::load_config(cni::NetConf::parse(j.dump()), args);
}

std::vector<std::string> addrs(const staticipam::Config& c) {
  std::vector<std::string> out;
  for (const auto& a : c.addresses) out.push_back(a.address.str() + (a.gateway ? " gw " + a.gateway->str() : ""));
  return out;
}

int code_of(const json& j, const std::string& args = "") {
  return test::error_code([&] { load(j, args); });
}

}  // namespace

TEST_CASE("static config: addresses with gateways, routes and dns", "[static]") {
  auto c = load(base());
  CHECK(addrs(c) == std::vector<std::string>{"10.10.0.1/24 gw 10.10.0.254", "3ffe:ffff:0:1ff::1/64 gw 3ffe:ffff::1"});
  REQUIRE(c.routes.size() == 2);
  CHECK(c.routes[1].gw->str() == "10.10.5.1");
  CHECK(c.dns.nameservers == std::vector<std::string>{"8.8.8.8"});
  CHECK(c.dns.domain == "example.com");
}

TEST_CASE("static config: CNI_ARGS IP= appends, GATEWAY= applies to those addresses", "[static]") {
  auto c = load(base(), "IP=10.9.0.3/16, 10.10.0.7/24;GATEWAY=10.10.0.9");
  CHECK(addrs(c) == std::vector<std::string>{"10.10.0.1/24 gw 10.10.0.254", "3ffe:ffff:0:1ff::1/64 gw 3ffe:ffff::1",
                                             "10.9.0.3/16", "10.10.0.7/24 gw 10.10.0.9"});
  CHECK(code_of(base(), "MAC=aa:bb:cc:dd:ee:ff") == 4);  // unknown key
  CHECK(code_of(base(), "IgnoreUnknown=1;MAC=aa:bb:cc:dd:ee:ff") == 0);
  CHECK(code_of(base(), "IP=10.9.0.3") == 7);
  CHECK(code_of(base(), "IP=10.9.0.3/16;GATEWAY=10.9.0.300") == 7);
}

TEST_CASE("static config: args.cni.ips replaces the addresses, runtimeConfig.ips replaces both", "[static]") {
  auto j = base();
  j["args"] = {{"cni", {{"ips", json::array({"10.20.0.5/24"})}}}};
  CHECK(addrs(load(j, "IP=10.9.0.3/16")) == std::vector<std::string>{"10.20.0.5/24"});
  j["runtimeConfig"] = {{"ips", json::array({"10.30.0.5/24", "fd00:30::5/64"})}};
  CHECK(addrs(load(j)) == std::vector<std::string>{"10.30.0.5/24", "fd00:30::5/64"});
  j["runtimeConfig"]["ips"] = json::array({"10.30.0.5"});
  CHECK(code_of(j) == 7);
}

TEST_CASE("static config: refusals", "[static]") {
  auto j = base();
  j.erase("ipam");
  CHECK(code_of(j) == 7);
  j = base();
  j["ipam"]["addresses"][0]["address"] = "10.10.0.1";
  CHECK(code_of(j) == 7);
  j = base();
  j["ipam"]["addresses"][0]["gateway"] = "3ffe::1";  // the other family
  CHECK(code_of(j) == 7);
  j = base();
  j["ipam"]["addresses"][0]["gateway"] = "not-an-ip";
  CHECK(code_of(j) == 7);
  j = base();
  j["ipam"]["routes"] = json::array({{{"dst", "nowhere"}}});
  CHECK(code_of(j) == 7);
  // 0.1.0/0.2.0 results hold one address per family.
  CHECK(code_of(base("0.2.0")) == 0);
  CHECK(code_of(base("0.2.0"), "IP=10.9.0.3/16") == 7);
  CHECK(code_of(base("0.3.0"), "IP=10.9.0.3/16") == 0);
}
