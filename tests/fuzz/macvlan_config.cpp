// macvlan's config: modes, MTU, master name, MAC sources (first line "ARGS:..." is CNI_ARGS).
#include "../../plugins/macvlan/config.hpp"
#include "args_prefix.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/mac.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  const auto args = fuzz::take_args(text);
  try {
    auto c = macvlan::parse_config(cni::NetConf::parse(text), args);
    FUZZ_REQUIRE(c.mtu == 0 || (c.mtu >= 68 && c.mtu <= 65535));
    FUZZ_REQUIRE(c.master.size() <= 15);
    FUZZ_REQUIRE(c.mac.empty() || cni::canonical_mac(c.mac) == c.mac);
    FUZZ_REQUIRE(macvlan::mode_from_name(c.mode_name) == c.mode);
  } catch (const cni::Error&) {
  }
  return 0;
}
