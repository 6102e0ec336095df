#include "config.hpp"

#include <net/if.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "cni/base/error.hpp"
#include "cni/spec/mesos.hpp"

namespace mesos_port_mapper {

namespace {

using nlohmann::json;
constexpr const char* kMesosKey = cni::mesos::kArgsKey;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

// The chain becomes an nftables chain name: printable, at most 255 bytes, and not one of
// the names the hostport table uses itself.
std::string parse_chain(const json& raw) {
  if (!raw.contains("chain")) invalid("Required field 'chain' is missing");
  auto chain = cni::get_string(raw, "chain");
  if (chain.empty() || chain.size() > 255) invalid("invalid chain \"" + chain + "\"", "1-255 printable characters");
  for (char c : chain)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"')
      invalid("invalid chain \"" + chain + "\"", "no spaces, quotes or control characters");
  if (cni::hostport::reserved_chain_name(chain))
    invalid("chain \"" + chain + "\" is a name the port mapping table uses itself", "pick another \"chain\"");
  return chain;
}

std::vector<std::string> parse_exclude_devices(const json& raw) {
  std::vector<std::string> out;
  if (!raw.contains("excludeDevices") || raw["excludeDevices"].is_null()) return out;
  if (!raw["excludeDevices"].is_array()) invalid("Failed to parse 'excludeDevices': not an array");
  for (const auto& d : raw["excludeDevices"]) {
    if (!d.is_string()) invalid("Failed to parse 'excludeDevices': non-string element " + d.dump());
    auto name = d.get<std::string>();
    bool ok = !name.empty() && name.size() < IFNAMSIZ;
    for (char c : name) ok = ok && c != '/' && c != '"' && static_cast<unsigned char>(c) > 0x20;
    if (!ok) invalid("invalid device \"" + name + "\" in 'excludeDevices'");
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

// network_info.port_mappings (cni/spec/mesos.hpp) as hostport mappings.
std::vector<cni::hostport::Mapping> parse_mappings(const json& network_info) {
  std::vector<cni::hostport::Mapping> out;
  size_t i = 0;
  for (const auto& m : cni::mesos::port_mappings(network_info))
    out.push_back(cni::hostport::make_mapping(m.host_port, m.container_port, m.protocol, "",
                                              "network_info.port_mappings[" + std::to_string(i++) + "]"));
  return out;
}

}  // namespace

MapperConfig parse_config(const cni::NetConf& conf) {
  const json& raw = conf.raw;
  MapperConfig c;
  c.network = conf.name;
  c.chain = parse_chain(raw);
  c.exclude_devices = parse_exclude_devices(raw);

  if (!raw.contains("delegate")) invalid("Required field 'delegate' is missing");
  if (!raw["delegate"].is_object()) invalid("Failed to parse 'delegate': not an object");
  c.delegate_conf = raw["delegate"];
  if (!c.delegate_conf.contains("type") || !c.delegate_conf["type"].is_string() ||
      c.delegate_conf["type"].get<std::string>().empty())
    invalid("Failed to parse 'delegate': its 'type' is missing");
  c.delegate_type = c.delegate_conf["type"].get<std::string>();

  // args: absent means a task without network_info (Mesos's plugin fakes an empty one);
  // present, it must carry org.apache.mesos.network_info.
  json args = json{{kMesosKey, {{"network_info", json::object()}}}};
  if (raw.contains("args") && !raw["args"].is_null()) {
    args = raw["args"];
    if (!args.is_object() || !args.contains(kMesosKey) || !args[kMesosKey].is_object() ||
        !args[kMesosKey].contains("network_info"))
      invalid("Failed to get 'network_info' from 'args'", "args[\"org.apache.mesos\"][\"network_info\"] is missing");
  }
  c.mappings = parse_mappings(args[kMesosKey]["network_info"]);

  c.delegate_conf["name"] = conf.name;
  c.delegate_conf["args"] = args;
  return c;
}

}  // namespace mesos_port_mapper
