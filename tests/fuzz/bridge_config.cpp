// The bridge plugin's config: VLANs, MTU, MAC and masquerade keys, all validated before the
// kernel is touched. First line "ARGS:..." supplies CNI_ARGS (MAC= is read from there).
#include "cni/base/error.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  std::string args;
  if (text.starts_with("ARGS:")) {
    auto nl = text.find('\n');
    args = std::string(text.substr(5, nl == std::string_view::npos ? text.npos : nl - 5));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  try {
    auto conf = cni::NetConf::parse(text);
    auto c = bridge::parse_config(conf, args);
    FUZZ_REQUIRE(!c.bridge.empty() && c.bridge.size() <= 15);
    FUZZ_REQUIRE(c.vlan >= 0 && c.vlan <= 4094);
    for (int t : c.trunk) FUZZ_REQUIRE(t >= 1 && t <= 4094);
    FUZZ_REQUIRE(c.mac.empty() || bridge::canonical_mac(c.mac) == c.mac);
    bridge::check_add_preconditions(c);
  } catch (const cni::Error&) {
  }
  return 0;
}
