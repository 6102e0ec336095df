// static IPAM's config: addresses, gateways, routes, dns and the CNI_ARGS/args/runtimeConfig
// overrides (first line "ARGS:..." is CNI_ARGS).
#include "../../ipam/static/config.hpp"
#include "args_prefix.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  const auto args = fuzz::take_args(text);
  try {
    auto conf = cni::NetConf::parse(text);
    auto c = staticipam::load_config(conf, args);
    int v4 = 0, v6 = 0;
    for (const auto& a : c.addresses) {
      ++(a.address.ip.is_v4() ? v4 : v6);
      FUZZ_REQUIRE(!a.gateway || a.gateway->family() == a.address.ip.family());
    }
    FUZZ_REQUIRE(cni::version_at_least(conf.cni_version, "0.3.0") || (v4 <= 1 && v6 <= 1));
  } catch (const cni::Error&) {
  }
  return 0;
}
