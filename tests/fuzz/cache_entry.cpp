// The runtime's result cache files (written by us or by the reference libcni, read back on
// DEL/CHECK/GC): decode, and re-encode what was accepted. The raw conflist inside is base64.
#include "cni/runtime/cache.hpp"
#include "cni/spec/config.hpp"
#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  try {
    auto entry = cni::CacheEntry::from_json(cni::parse_json(text, "cache entry"));
    auto again = cni::CacheEntry::from_json(nlohmann::json::parse(entry.to_json().dump()));
    FUZZ_REQUIRE(again.config == entry.config);
    FUZZ_REQUIRE(again.container_id == entry.container_id);
  } catch (const cni::Error&) {
  }
  try {
    auto bytes = cni::base64_decode(text);
    // Like Go's non-strict StdEncoding, unused trailing bits may be set, so the text need not
    // come back byte for byte; the bytes must.
    auto again = cni::base64_encode(bytes);
    FUZZ_REQUIRE(again.size() == text.size());
    FUZZ_REQUIRE(cni::base64_decode(again) == bytes);
  } catch (const cni::Error& e) {
    FUZZ_REQUIRE(e.code() == cni::kDecodingFailure);
  }
  return 0;
}
