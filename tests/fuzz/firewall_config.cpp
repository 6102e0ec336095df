// firewall's config: backend, admin chain name (it reaches an iptables-restore script),
// ingress policy, prevResult's addresses and bridge.
#include "cni/base/error.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto conf = cni::NetConf::parse(fuzz::text_of(data, size));
    auto c = firewall::parse_config(conf);
    FUZZ_REQUIRE(!c.admin_chain.empty() && c.admin_chain.size() <= 28);
    for (char ch : c.admin_chain) FUZZ_REQUIRE(ch != ' ' && ch != '\n' && ch != '"' && ch != '\'');
    firewall::require_bridge(conf, c);
    if (c.ingress == firewall::IngressPolicy::same_bridge && conf.prev_result)
      for (char ch : c.bridge) FUZZ_REQUIRE(ch != ' ' && ch != '\n' && ch != '"');
  } catch (const cni::Error&) {
  }
  return 0;
}
