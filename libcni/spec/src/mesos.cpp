#include "cni/spec/mesos.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"

namespace cni::mesos {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw Error(kInvalidNetworkConfig, msg, details);
}

// A uint32 protobuf field as Mesos's JSON carries it: a number, or a decimal string.
int64_t port_field(const json& m, const char* key, const std::string& where) {
  if (!m.contains(key)) invalid("Failed to parse 'network_info': missing required field '" + std::string(key) + "'", where);
  const auto& v = m[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (!s.empty() && s.size() <= 10 && std::all_of(s.begin(), s.end(), ::isdigit)) return std::stoll(s);
  }
  invalid("Failed to parse 'network_info': '" + std::string(key) + "' is not a port number", where);
}

uint16_t port(int64_t v, const char* what, const std::string& where) {
  if (v <= 0 || v > 65535) invalid(std::string("Invalid ") + what + " port number: " + std::to_string(v), "in " + where);
  return static_cast<uint16_t>(v);
}

}  // namespace

std::vector<PortMapping> port_mappings(const json& network_info) {
  std::vector<PortMapping> out;
  if (!network_info.is_object()) invalid("Failed to parse 'network_info': not an object");
  if (!network_info.contains("port_mappings") || network_info["port_mappings"].is_null()) return out;
  const auto& list = network_info["port_mappings"];
  if (!list.is_array()) invalid("Failed to parse 'network_info': 'port_mappings' is not an array");
  std::map<std::pair<std::string, uint16_t>, uint16_t> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& m = list[i];
    const std::string where = "network_info.port_mappings[" + std::to_string(i) + "]";
    if (!m.is_object()) invalid("Failed to parse 'network_info': a port mapping is not an object", where);
    const auto host = port_field(m, "host_port", where), cont = port_field(m, "container_port", where);
    std::string protocols = m.contains("protocol") && !m["protocol"].is_null() ? get_string(m, "protocol") : "tcp";
    size_t start = 0;
    do {
      size_t comma = protocols.find(',', start);
      std::string p = protocols.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      p.erase(0, p.find_first_not_of(" \t"));
      p.erase(p.find_last_not_of(" \t") + 1);
      if (p.empty()) invalid("empty protocol in \"" + protocols + "\"", where);
      std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
      if (p != "tcp" && p != "udp" && p != "sctp") invalid("unknown protocol \"" + p + "\" (tcp, udp or sctp)", "in " + where);
      PortMapping pm{port(host, "host", where), port(cont, "container", where), p};
      auto [it, fresh] = seen.insert({{pm.protocol, pm.host_port}, pm.container_port});
      if (fresh) out.push_back(pm);
      else if (it->second != pm.container_port)
        invalid("host port " + std::to_string(pm.host_port) + "/" + pm.protocol + " is mapped to two container ports", where);
      start = comma == std::string::npos ? std::string::npos : comma + 1;
    } while (start != std::string::npos);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> labels(const json& network_info) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!network_info.is_object() || !network_info.contains("labels") || network_info["labels"].is_null()) return out;
  const auto& l = network_info["labels"];
  if (!l.is_object()) invalid("Failed to parse 'network_info': 'labels' is not an object");
  if (!l.contains("labels") || l["labels"].is_null()) return out;
  if (!l["labels"].is_array()) invalid("Failed to parse 'network_info': 'labels.labels' is not an array");
  for (const auto& e : l["labels"]) {
    if (!e.is_object()) invalid("Failed to parse 'network_info': a label is not an object");
    out.emplace_back(get_string(e, "key"), get_string(e, "value"));
  }
  return out;
}

}  // namespace cni::mesos
