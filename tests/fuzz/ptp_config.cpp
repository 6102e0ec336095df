// ptp's config: masquerade keys, MTU, the IPAM it needs.
#include "../../plugins/ptp/config.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto c = ptp::parse_config(cni::NetConf::parse(fuzz::text_of(data, size)));
    FUZZ_REQUIRE(!c.ipam_type.empty());
    FUZZ_REQUIRE(c.mtu == 0 || (c.mtu >= 68 && c.mtu <= 65535));
  } catch (const cni::Error&) {
  }
  return 0;
}
