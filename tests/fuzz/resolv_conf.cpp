// parse_resolv_conf: host-local's `resolvConf` file, whose content ends up in the result.
// The parser never refuses, so any exception at all is a bug; the DNS it yields must survive
// the trip through the result's JSON (bytes that are not UTF-8 are replaced on output, as Go's
// encoder does, so the dump uses the same error handler as the skeleton).
#include "cni/base/error.hpp"
#include "cni/spec/resolv.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto dns = cni::parse_resolv_conf(fuzz::text_of(data, size));
  for (const auto& s : dns.nameservers) FUZZ_REQUIRE(!s.empty());
  auto text = dns.to_json().dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  auto back = cni::Dns::from_json(nlohmann::json::parse(text));
  FUZZ_REQUIRE(back.nameservers.size() == dns.nameservers.size());
  FUZZ_REQUIRE(back.search.size() == dns.search.size());
  FUZZ_REQUIRE(back.options.size() == dns.options.size());
  return 0;
}
