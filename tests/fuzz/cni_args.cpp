// CniArgs::parse: CNI_ARGS comes straight from the runtime's environment.
#include "cni/spec/env.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  static const std::set<std::string> known = {"IP", "MAC", "K8S_POD_NAME", "K8S_POD_NAMESPACE"};
  try {
    auto args = cni::CniArgs::parse(text, known);
    for (const auto& k : known) {
      auto v = args.get(k);
      // A value never swallows a separator: that would smuggle a second pair through.
      if (v) FUZZ_REQUIRE(v->find(';') == std::string::npos);
    }
    FUZZ_REQUIRE(!args.get("IgnoreUnknown"));
  } catch (const cni::Error& e) {
    FUZZ_REQUIRE(e.code() == cni::kInvalidEnvironment);
  }
  return 0;
}
