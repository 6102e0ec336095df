// vlan's config: master, VLAN ID, MTU.
#include "../../plugins/vlan/config.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto c = vlan::parse_config(cni::NetConf::parse(fuzz::text_of(data, size)));
    FUZZ_REQUIRE(!c.master.empty() && c.master.size() <= 15);
    FUZZ_REQUIRE(c.vlan_id >= 0 && c.vlan_id <= 4094);
    FUZZ_REQUIRE(c.mtu == 0 || (c.mtu >= 68 && c.mtu <= 65535));
  } catch (const cni::Error&) {
  }
  return 0;
}
