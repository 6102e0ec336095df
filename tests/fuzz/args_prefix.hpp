// Shared by the config fuzz targets: an input whose first line starts with "ARGS:" supplies
// CNI_ARGS, so the fuzzer explores the config and the environment together.
#pragma once

#include <string>
#include <string_view>

namespace fuzz {

inline std::string take_args(std::string_view& text) {
  if (!text.starts_with("ARGS:")) return {};
  auto nl = text.find('\n');
  std::string args(text.substr(5, nl == std::string_view::npos ? text.npos : nl - 5));
  text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  return args;
}

}  // namespace fuzz
