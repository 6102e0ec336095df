#include "cni/base/error.hpp"

#include <cstring>

namespace cni {

nlohmann::json Error::to_json(const std::string& cni_version) const {
  nlohmann::json j = nlohmann::json::object();
  if (!cni_version.empty()) j["cniVersion"] = cni_version;
  j["code"] = code_;
  j["msg"] = msg_;
  if (!details_.empty()) j["details"] = details_;
  return j;
}

Error Error::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("code") || !j["code"].is_number_integer())
    throw Error(kDecodingFailure, "not a CNI error object", j.dump());
  // A plugin's output is hostile input: fields of the wrong type are dropped, never thrown on.
  auto text = [&](const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string{};
  };
  return Error(j["code"].get<int>(), text("msg"), text("details"));
}

Error io_error(const std::string& what, int errno_value) {
  return Error(kIoFailure, what + ": " + std::strerror(errno_value));
}

}  // namespace cni
