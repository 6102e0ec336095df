// CNI spec versions: the list we speak and version comparisons.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cni {

inline constexpr const char* kCurrentVersion = "1.1.0";
// A config (or result) without "cniVersion" is a 0.1.0 one (spec; reference DecodeVersion).
inline constexpr const char* kImplicitVersion = "0.1.0";

// Every version we accept, oldest first: 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0.
const std::vector<std::string>& supported_versions();
bool is_supported_version(std::string_view v);

struct Version {
  int major = 0, minor = 0, patch = 0;
  static std::optional<Version> parse(std::string_view text);
  auto operator<=>(const Version&) const = default;
};

// True when `v` parses and is >= `min` (e.g. version_at_least(conf.cni_version, "0.4.0")).
bool version_at_least(std::string_view v, std::string_view min);

}  // namespace cni
