#include "cni/spec/version.hpp"

#include <algorithm>
#include <charconv>

namespace cni {

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> v{"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  return v;
}

bool is_supported_version(std::string_view v) {
  const auto& all = supported_versions();
  return std::find(all.begin(), all.end(), v) != all.end();
}

std::optional<Version> Version::parse(std::string_view text) {
  Version out;
  int* parts[3] = {&out.major, &out.minor, &out.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 3; ++i) {
    auto r = std::from_chars(p, end, *parts[i]);
    if (r.ec != std::errc{} || *parts[i] < 0) return std::nullopt;
    p = r.ptr;
    if (i < 2) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  return out;
}

bool version_at_least(std::string_view v, std::string_view min) {
  auto a = Version::parse(v);
  auto b = Version::parse(min);
  return a && b && *a >= *b;
}

}  // namespace cni
