// vrf's config: vrfname (it names a link) and table.
#include "cni/base/error.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto c = vrf::parse_config(cni::NetConf::parse(fuzz::text_of(data, size)));
    FUZZ_REQUIRE(!c.name.empty() && c.name.size() <= 15 && c.name.find('/') == std::string::npos);
    FUZZ_REQUIRE(!c.table || (*c.table > 0 && (*c.table < 253 || *c.table > 255)));
  } catch (const cni::Error&) {
  }
  return 0;
}
