// NetConf::parse: the first thing every plugin does with stdin, so the widest door.
#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto conf = cni::NetConf::parse(fuzz::text_of(data, size));
    FUZZ_REQUIRE(conf.raw.is_object());
    FUZZ_REQUIRE(!conf.cni_version.empty());
    // What plugins ask next: typed keys and the network name check.
    conf.ipam_type();
    cni::get_bool(conf.raw, "ipMasq", false);
    cni::get_int(conf.raw, "mtu", 0, 65535);
    cni::get_string_list(conf.raw, "capabilities");
    cni::validate_network_name(conf.name);
  } catch (const cni::Error&) {
  }
  return 0;
}
