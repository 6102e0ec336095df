// A network configuration as a plugin receives it on stdin, plus typed accessors that
// turn wrong types and out-of-range values into clear code-7 errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/spec/result.hpp"

namespace cni {

// Hostile-input bounds: stdin larger than this, or nested deeper, is refused (code 6)
// before the JSON parser runs.
inline constexpr size_t kMaxConfigBytes = 4 * 1024 * 1024;
inline constexpr int kMaxJsonDepth = 64;

// Strict JSON decode: size and depth bounds, duplicate object keys refused (the same key
// twice in a config is almost always an operator's mistake). Throws Error(kDecodingFailure).
nlohmann::json parse_json(std::string_view text, const std::string& what = "config");

struct NetConf {
  nlohmann::json raw;  // the whole config; unknown keys stay here untouched
  std::string cni_version;  // kImplicitVersion ("0.1.0") when missing
  std::string name;
  std::string type;
  nlohmann::json ipam;            // object or null
  std::optional<Dns> dns;         // the config's "dns", when given
  nlohmann::json runtime_config;  // object or null
  nlohmann::json args;            // object or null (Mesos puts args["org.apache.mesos"] here)
  std::optional<Result> prev_result;

  // Decodes and checks the keys every plugin shares. Throws Error code 6 (not JSON / wrong
  // shape) or 7 (invalid value).
  static NetConf parse(std::string_view stdin_data);

  std::string ipam_type() const;  // "" when there is no IPAM
};

// Typed access to a config object (`obj` is usually NetConf::raw or its "ipam").
// A present key of the wrong type is Error(kInvalidNetworkConfig) naming the key; so is a
// string holding a NUL byte (it would be cut short by every C API it reaches).
bool get_bool(const nlohmann::json& obj, const char* key, bool fallback);
std::string get_string(const nlohmann::json& obj, const char* key, const std::string& fallback = {});
std::optional<int64_t> get_int(const nlohmann::json& obj, const char* key, int64_t min, int64_t max);
std::vector<std::string> get_string_list(const nlohmann::json& obj, const char* key);
// A list of routes ({"dst": CIDR, "gw": IP, ...}) as IPAM configs carry them.
std::vector<Route> get_routes(const nlohmann::json& obj, const char* key);

// A link name taken from a config (a bridge, a master, a device): the kernel takes 1-15
// bytes without '/', ':' or whitespace; anything else would surface as an opaque EINVAL
// from RTM_NEWLINK. Error(kInvalidNetworkConfig) "invalid <what> \"name\"".
void validate_link_name(const std::string& name, const std::string& what);

// Network names share the container-ID pattern: ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ (code 7),
// and "." / ".." are refused too since the name becomes a directory; so is a name longer
// than a file name may be (NAME_MAX).
inline constexpr size_t kMaxNetworkNameBytes = 255;
void validate_network_name(const std::string& name);

}  // namespace cni
