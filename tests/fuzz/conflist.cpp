// Network configuration lists, as cnitool (the runtime side) loads them from disk: both the
// *.conflist form and a legacy single-plugin file upgraded to a list.
#include "cni/base/error.hpp"
#include "cni/runtime/netconf_list.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  try {
    auto list = cni::NetConfList::from_bytes(text, "fuzz.conflist");
    FUZZ_REQUIRE(!list.plugins.empty());
    list.capabilities();
  } catch (const cni::Error&) {
  }
  try {
    auto list = cni::NetConfList::from_single_conf(text, "fuzz.conf");
    FUZZ_REQUIRE(list.plugins.size() == 1);
  } catch (const cni::Error&) {
  }
  return 0;
}
