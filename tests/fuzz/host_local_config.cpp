// host-local's config (ranges, routes, requested IPs) on top of NetConf::parse: the plugin
// whose bad input could name the wrong lease directory. An input whose first line starts
// with "ARGS:" supplies CNI_ARGS, so the fuzzer explores both doors together.
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
    auto cfg = hostlocal::load_config(conf, args);
    FUZZ_REQUIRE(!cfg.range_sets.empty());
    for (const auto& set : cfg.range_sets)
      for (const auto& r : set.ranges) {
        FUZZ_REQUIRE(r.contains(r.start));
        FUZZ_REQUIRE(r.contains(r.end));
      }
    for (const auto& ip : cfg.requested) {
      bool in_some = false;
      for (const auto& set : cfg.range_sets) in_some = in_some || set.contains(ip);
      FUZZ_REQUIRE(in_some);
    }
  } catch (const cni::Error&) {
  }
  return 0;
}
