// static IPAM against the reference (/usr/lib/cni/static, v1.1.1): the same result for the
// same config and CNI_ARGS/args/runtimeConfig overrides, the same refusals, DEL a no-op.
#include <catch2/catch.hpp>

#include "harness.hpp"

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

test::RunResult run(const std::string& binary, const std::string& cmd, const json& conf, const std::string& args = "") {
  auto env = test::cni_env(cmd, "c1", "/dev/null", "eth0", CNIPP_REFERENCE_DIR);
  if (!args.empty()) env["CNI_ARGS"] = args;
  return test::run(binary, env, conf.dump());
}

void same(const json& conf, const std::string& args = "") {
  auto ref = run(test::reference("static"), "ADD", conf, args);
  auto ours = run(test::ours("static"), "ADD", conf, args);
  INFO(conf.dump() << " " << args << "\nreference: " << ref.out << "\nours: " << ours.out);
  CHECK(ours.rc == ref.rc);
  if (ref.rc == 0) CHECK(ours.json() == ref.json());
}

}  // namespace

TEST_CASE("static interop: the reference's results", "[static]") {
  same(base());
  same(base("0.4.0"));
  same(base("0.2.0"));
  same(base(), "IP=10.9.0.3/16,10.10.0.7/24;GATEWAY=10.10.0.9");
  auto j = base();
  j["args"] = {{"cni", {{"ips", json::array({"10.20.0.5/24"})}}}};
  same(j, "IP=10.9.0.3/16");
  j["runtimeConfig"] = {{"ips", json::array({"10.30.0.5/24", "fd00:30::5/64"})}};
  same(j);
  j = base();
  j["ipam"].erase("addresses");  // nothing to hand out: an empty result, the main plugin refuses it
  same(j);
}

TEST_CASE("static interop: the same refusals, DEL succeeds", "[static]") {
  auto j = base();
  j["ipam"]["addresses"][0]["address"] = "10.10.0.1";
  same(j);
  same(base("0.2.0"), "IP=10.9.0.3/16");
  same(base(), "IP=10.9.0.3");
  same(base(), "FOO=bar");
  j = base();
  j.erase("ipam");
  same(j);
  for (const auto& b : {test::reference("static"), test::ours("static")}) CHECK(run(b, "DEL", base()).rc == 0);
}
