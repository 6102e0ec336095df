#include "cni/spec/mac.hpp"

#include <cctype>

#include "cni/spec/env.hpp"
#include "cni/base/error.hpp"

namespace cni {

std::optional<std::string> canonical_mac(const std::string& text) {
  if (text.size() != 17) return std::nullopt;
  const char sep = text[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i % 3 == 2) {
      if (c != sep) return std::nullopt;
      out += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string unicast_mac(const std::string& text, const std::string& source) {
  auto mac = canonical_mac(text);
  if (!mac) throw Error(kInvalidNetworkConfig, "invalid MAC address \"" + text + "\" in " + source);
  int first = std::stoi(mac->substr(0, 2), nullptr, 16);
  if (first & 1)
    throw Error(kInvalidNetworkConfig, "MAC address \"" + text + "\" in " + source + " is a multicast address");
  if (*mac == "00:00:00:00:00:00")
    throw Error(kInvalidNetworkConfig, "MAC address \"" + text + "\" in " + source + " is all zeros");
  return *mac;
}

std::string resolve_mac(const NetConf& conf, const std::string& cni_args, const MacSources& sources) {
  std::string mac;
  if (sources.config_key) {
    auto v = get_string(conf.raw, sources.config_key);
    if (!v.empty()) mac = unicast_mac(v, std::string("\"") + sources.config_key + "\"");
  }
  if (sources.cni_args) {
    auto env = CniArgs::parse(cni_args, {"MAC"});
    if (auto v = env.get("MAC"); v && !v->empty()) mac = unicast_mac(*v, "CNI_ARGS");
  }
  if (sources.args_cni && conf.args.is_object() && conf.args.contains("cni") && conf.args["cni"].is_object()) {
    auto v = get_string(conf.args["cni"], "mac");
    if (!v.empty()) mac = unicast_mac(v, "args.cni.mac");
  }
  if (sources.runtime_config) {
    auto v = get_string(conf.runtime_config, "mac");
    if (!v.empty()) mac = unicast_mac(v, "runtimeConfig.mac");
  }
  return mac;
}

}  // namespace cni
