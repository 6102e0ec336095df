// bandwidth's config: the four limits from the config or runtimeConfig.bandwidth, the
// reference's rate/burst rules.
#include "cni/base/error.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto conf = cni::NetConf::parse(fuzz::text_of(data, size));
    auto l = bandwidth::parse_config(conf);
    // A rate never comes without its burst, and no burst reaches 4 GiB in bytes.
    FUZZ_REQUIRE((l.ingress_rate == 0) == (l.ingress_burst == 0));
    FUZZ_REQUIRE((l.egress_rate == 0) == (l.egress_burst == 0));
    FUZZ_REQUIRE(l.ingress_burst / 8 < 0xffffffffull && l.egress_burst / 8 < 0xffffffffull);
    FUZZ_REQUIRE(bandwidth::ifb_name(conf.name, "c").size() == 15);
  } catch (const cni::Error&) {
  }
  return 0;
}
