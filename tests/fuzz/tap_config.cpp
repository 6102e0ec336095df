// tap's config: MAC sources, MTU, owner/group, bridge name (first line "ARGS:..." is CNI_ARGS).
#include "../../plugins/tap/config.hpp"
#include "args_prefix.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/mac.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  const auto args = fuzz::take_args(text);
  try {
    auto c = tap::parse_config(cni::NetConf::parse(text), args);
    FUZZ_REQUIRE(c.mtu == 0 || (c.mtu >= 68 && c.mtu <= 65521));
    FUZZ_REQUIRE(c.bridge.size() <= 15);
    FUZZ_REQUIRE(c.mac.empty() || cni::canonical_mac(c.mac) == c.mac);
  } catch (const cni::Error&) {
  }
  return 0;
}
