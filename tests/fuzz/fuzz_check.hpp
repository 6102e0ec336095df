// Shared by every fuzz target: the contract they check. A parser of hostile input may
// refuse it only with a cni::Error (the skeleton turns that into the spec's JSON reply);
// any other exception escapes the target, and libFuzzer reports it as a crash, as it does
// for sanitizer reports. Properties beyond "no crash" fail through fuzz_require().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz {

inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

}  // namespace fuzz

#define FUZZ_REQUIRE(cond) \
  do {                     \
    if (!(cond)) ::fuzz::fail(#cond); \
  } while (0)
