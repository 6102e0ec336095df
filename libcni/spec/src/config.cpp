#include "cni/spec/config.hpp"

#include <cctype>
#include <set>

#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"

namespace cni {

namespace {

// One linear pass outside strings: nesting depth must stay bounded, so a hostile
// "[[[[...]]]]" costs O(n) and no recursion.
void check_depth(std::string_view text, const std::string& what) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth)
        throw Error(kDecodingFailure, "failed to decode " + what + ": nested deeper than " +
                                          std::to_string(kMaxJsonDepth) + " levels");
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

[[noreturn]] void invalid(const std::string& msg) { throw Error(kInvalidNetworkConfig, msg); }

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& what) {
  if (text.size() > kMaxConfigBytes)
    throw Error(kDecodingFailure, "failed to decode " + what + ": larger than " +
                                      std::to_string(kMaxConfigBytes) + " bytes");
  check_depth(text, what);
  // Duplicate keys: Go's decoder silently keeps the last one; we refuse, because a
  // config with "ipMasq" twice means someone edited it by hand and lost track.
  std::vector<std::set<std::string>> seen;
  std::string duplicate;
  auto cb = [&](int /*depth*/, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (ev == E::object_start) seen.emplace_back();
    else if (ev == E::object_end && !seen.empty()) seen.pop_back();
    else if (ev == E::key && !seen.empty()) {
      auto key = parsed.get<std::string>();
      if (!seen.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end(), cb);
  } catch (const nlohmann::json::exception& e) {
    throw Error(kDecodingFailure, "failed to decode " + what + ": " + e.what());
  }
  if (!duplicate.empty())
    throw Error(kDecodingFailure, "failed to decode " + what + ": duplicate key \"" + duplicate + "\"");
  return j;
}

bool get_bool(const nlohmann::json& obj, const char* key, bool fallback) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return fallback;
  if (!obj[key].is_boolean()) invalid(std::string("\"") + key + "\" must be a boolean");
  return obj[key].get<bool>();
}

std::string get_string(const nlohmann::json& obj, const char* key, const std::string& fallback) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return fallback;
  if (!obj[key].is_string()) invalid(std::string("\"") + key + "\" must be a string");
  auto value = obj[key].get<std::string>();
  // JSON may carry "\u0000", but every string we read becomes a path, a name or a kernel
  // attribute, where C APIs would silently cut it at the NUL (dataDir "/a\u0000/b" -> "/a").
  if (value.find('\0') != std::string::npos) invalid(std::string("\"") + key + "\" contains a NUL byte");
  return value;
}

std::optional<int64_t> get_int(const nlohmann::json& obj, const char* key, int64_t min, int64_t max) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return std::nullopt;
  const auto& v = obj[key];
  int64_t n;
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      invalid(std::string("\"") + key + "\" is out of range");
    n = v.get<int64_t>();
  } else if (v.is_number_float()) {
    // Go decodes 1500.0 into an int field as an error; so do we.
    invalid(std::string("\"") + key + "\" must be an integer");
  } else {
    invalid(std::string("\"") + key + "\" must be an integer");
  }
  if (n < min || n > max)
    invalid(std::string("\"") + key + "\" is " + std::to_string(n) + ", must be between " + std::to_string(min) +
            " and " + std::to_string(max));
  return n;
}

std::vector<std::string> get_string_list(const nlohmann::json& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return out;
  if (!obj[key].is_array()) invalid(std::string("\"") + key + "\" must be a list of strings");
  for (const auto& v : obj[key]) {
    if (!v.is_string()) invalid(std::string("\"") + key + "\" must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<Route> get_routes(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return {};
  if (!obj[key].is_array()) invalid(std::string("\"") + key + "\" must be a list");
  try {
    return Result::from_json(nlohmann::json{{"routes", obj[key]}}).routes;
  } catch (const Error& e) {
    invalid(std::string("invalid \"") + key + "\": " + e.msg());
  }
}

void validate_link_name(const std::string& name, const std::string& what) {
  bool ok = !name.empty() && name.size() <= 15 && name != "." && name != "..";
  for (char c : name)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0') ok = false;
  if (!ok)
    throw Error(kInvalidNetworkConfig, "invalid " + what + " \"" + name + "\"",
                "an interface name has 1-15 characters and no '/', ':' or whitespace");
}

void validate_network_name(const std::string& name) {
  if (name.empty()) invalid("missing network name");
  auto ok_first = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  auto ok_rest = [&](char c) { return ok_first(c) || c == '_' || c == '.' || c == '-'; };
  bool ok = ok_first(name[0]);
  for (char c : name) ok = ok && ok_rest(c);
  if (!ok || name == "." || name == "..")
    throw Error(kInvalidNetworkConfig, "invalid network name \"" + name + "\"",
                "a network name must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
  // The name becomes a directory (host-local's lease dir) and part of file names (the result
  // cache): refuse what no file system can hold before anything is created, not half-way.
  if (name.size() > kMaxNetworkNameBytes)
    invalid("network name is " + std::to_string(name.size()) + " bytes long, the limit is " +
            std::to_string(kMaxNetworkNameBytes));
}

NetConf NetConf::parse(std::string_view stdin_data) {
  NetConf c;
  c.raw = parse_json(stdin_data, "network config");
  if (!c.raw.is_object()) throw Error(kDecodingFailure, "failed to decode network config: not a JSON object");
  c.cni_version = get_string(c.raw, "cniVersion", kImplicitVersion);
  if (c.cni_version.empty()) c.cni_version = kImplicitVersion;
  c.name = get_string(c.raw, "name");
  c.type = get_string(c.raw, "type");
  if (c.raw.contains("ipam") && !c.raw["ipam"].is_null()) {
    if (!c.raw["ipam"].is_object()) invalid("\"ipam\" must be an object");
    c.ipam = c.raw["ipam"];
    get_string(c.ipam, "type");  // type-checks it
  }
  if (c.raw.contains("dns") && !c.raw["dns"].is_null()) {
    try {
      c.dns = Dns::from_json(c.raw["dns"]);
    } catch (const Error& e) {
      invalid("invalid \"dns\": " + e.msg());
    }
  }
  if (c.raw.contains("runtimeConfig") && !c.raw["runtimeConfig"].is_null()) {
    if (!c.raw["runtimeConfig"].is_object()) invalid("\"runtimeConfig\" must be an object");
    c.runtime_config = c.raw["runtimeConfig"];
  }
  if (c.raw.contains("args") && !c.raw["args"].is_null()) {
    if (!c.raw["args"].is_object()) invalid("\"args\" must be an object");
    c.args = c.raw["args"];
  }
  if (c.raw.contains("prevResult") && !c.raw["prevResult"].is_null()) {
    try {
      c.prev_result = Result::from_json(c.raw["prevResult"]);
    } catch (const Error& e) {
      throw Error(kDecodingFailure, "invalid \"prevResult\": " + e.msg());
    }
  }
  return c;
}

std::string NetConf::ipam_type() const { return get_string(ipam, "type"); }

}  // namespace cni
