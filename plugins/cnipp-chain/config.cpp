#include "config.hpp"

#include "cni/base/error.hpp"
#include "cni/spec/mesos.hpp"
#include "cni/runtime/netconf_list.hpp"

namespace chain {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

// The args every plugin gets: its own, then the outer config's keys it does not have, then
// Mesos's labels in args.cni.labels.
json merged_args(const json& own, const json& outer, const json& labels) {
  json a = own.is_object() ? own : json::object();
  if (outer.is_object())
    for (const auto& [k, v] : outer.items())
      if (!a.contains(k)) a[k] = v;
  if (!labels.empty()) {
    if (!a.contains("cni") || !a["cni"].is_object()) a["cni"] = json::object();
    if (!a["cni"].contains("labels")) a["cni"]["labels"] = labels;
  }
  return a;
}

}  // namespace

ChainConfig parse_config(const cni::NetConf& conf) {
  const auto& raw = conf.raw;
  ChainConfig c;
  c.name = conf.name;
  c.cache_dir = cni::get_string(raw, "cacheDir", cni::kDefaultCacheDir);
  if (c.cache_dir.empty() || c.cache_dir[0] != '/') invalid("\"cacheDir\" must be an absolute path");

  if (conf.runtime_config.is_object()) c.capability_args = conf.runtime_config;
  json network_info;
  if (conf.args.is_object() && conf.args.contains(cni::mesos::kArgsKey)) {
    const auto& m = conf.args[cni::mesos::kArgsKey];
    if (m.is_object() && m.contains("network_info")) network_info = m["network_info"];
  }
  json labels = json::array();
  if (!network_info.is_null()) {
    auto mappings = cni::mesos::port_mappings(network_info);
    if (!mappings.empty() && !c.capability_args.contains("portMappings")) {
      json pm = json::array();
      for (const auto& m : mappings)
        pm.push_back({{"hostPort", m.host_port}, {"containerPort", m.container_port}, {"protocol", m.protocol}});
      c.capability_args["portMappings"] = pm;
    }
    for (const auto& [k, v] : cni::mesos::labels(network_info)) labels.push_back({{"key", k}, {"value", v}});
  }

  if (!raw.contains("plugins") || !raw["plugins"].is_array() || raw["plugins"].empty())
    invalid("\"plugins\" must be a non-empty list of plugin configurations");
  int i = 0;
  for (const auto& p : raw["plugins"]) {
    const std::string where = "plugins[" + std::to_string(i++) + "]";
    auto pc = cni::PluginConf::from_json(p, where);  // type present, no '/', capabilities are bools
    if (pc.type == "cnipp-chain") invalid(where + " is another cnipp-chain: chains do not nest");
    json own = p;
    own["args"] = merged_args(p.contains("args") ? p["args"] : json(), conf.args, labels);
    if (own["args"].empty()) own.erase("args");
    c.plugins.push_back(std::move(own));
  }
  return c;
}

std::string list_document(const ChainConfig& c, const std::string& version) {
  json list{{"cniVersion", version}, {"name", c.name}, {"plugins", c.plugins}};
  return list.dump();
}

}  // namespace chain
