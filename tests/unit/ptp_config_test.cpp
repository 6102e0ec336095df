// The ptp plugin's config: masquerade keys, MTU, and the IPAM it cannot do without.
#include <catch2/catch.hpp>

#include "../../plugins/ptp/config.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {
json base() { return {{"cniVersion", "1.0.0"}, {"name", "pnet"}, {"type", "ptp"}, {"ipam", {{"type", "host-local"}}}}; }
ptp::PtpConfig parse(const json& j) { return ptp::parse_config(cni::NetConf::parse(j.dump())); }
int code_of(const json& j) {
  return test::error_code([&] { parse(j); });
}
}  // namespace

TEST_CASE("ptp config: defaults and every key", "[ptp]") {
  auto c = parse(base());
  CHECK_FALSE(c.masq.enabled);
  CHECK(c.masq.backend == cni::MasqBackend::nftables);
  CHECK(c.mtu == 0);
  CHECK(c.ipam_type == "host-local");
  auto j = base();
  j["ipMasq"] = true;
  j["ipMasqBackend"] = "iptables";
  j["mtu"] = 1450;
  j["dns"] = {{"nameservers", json::array({"10.0.0.53"})}};
  c = parse(j);
  CHECK(c.masq.enabled);
  CHECK(c.masq.backend == cni::MasqBackend::iptables);
  CHECK(c.mtu == 1450);
  CHECK(c.dns->nameservers == std::vector<std::string>{"10.0.0.53"});
}

TEST_CASE("ptp config: refusals are code 7", "[ptp]") {
  auto j = base();
  j.erase("ipam");
  CHECK(code_of(j) == 7);  // routed: no L2-only mode (plugins#987)
  j = base();
  j["ipMasqBackend"] = "pf";
  CHECK(code_of(j) == 7);
  j = base();
  j["mtu"] = 40;
  CHECK(code_of(j) == 7);
  j = base();
  j["ipMasq"] = "true";
  CHECK(code_of(j) == 7);
}
