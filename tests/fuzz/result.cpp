// Error::from_json, and Result::from_json then to_json in every supported version: results come back from
// delegated IPAM plugins and from the runtime's prevResult, so they are hostile input too.
// Beyond "only cni::Error": to_json succeeds exactly when expressible() says it will, and
// the 1.1.0 form is a fixed point (parse what we print, print it again, same text).
#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/result.hpp"
#include "cni/spec/version.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cni::Result r;
  try {
    auto j = cni::parse_json(fuzz::text_of(data, size), "result");
    // A delegated plugin's stdout is either a result or an error object; both decoders see it.
    try {
      auto reported = cni::Error::from_json(j);
      FUZZ_REQUIRE(reported.code() == j["code"].get<int>());
    } catch (const cni::Error& e) {
      FUZZ_REQUIRE(e.code() == cni::kDecodingFailure);
    }
    r = cni::Result::from_json(j);
  } catch (const cni::Error&) {
    return 0;
  }
  for (const auto& v : cni::supported_versions()) {
    bool converted = false;
    try {
      auto out = r.to_json(v);
      converted = true;
      FUZZ_REQUIRE(out["cniVersion"] == v);
      // Strings in a parsed result came from valid JSON, so printing them cannot throw.
      auto text = out.dump();
      auto again = cni::Result::from_json(nlohmann::json::parse(text));
      if (v == cni::kCurrentVersion) FUZZ_REQUIRE(again.to_json(v).dump() == text);
    } catch (const cni::Error& e) {
      FUZZ_REQUIRE(!converted);  // our own output must parse back
      FUZZ_REQUIRE(e.code() == cni::kIncompatibleVersion);
    }
    FUZZ_REQUIRE(converted == cni::Result::expressible(v, !r.ips.empty()));
  }
  return 0;
}
