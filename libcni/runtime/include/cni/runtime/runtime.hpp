// The runtime half of CNI (libcni api.go): running a network configuration list's plugins
// for ADD / CHECK / DEL / GC / STATUS / VERSION, with the per-plugin config libcni builds
// and the result cache.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/runtime/cache.hpp"
#include "cni/base/error.hpp"
#include "cni/runtime/netconf_list.hpp"

namespace cni {

// One attachment's parameters (libcni RuntimeConf).
struct RuntimeConf {
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS pairs
  nlohmann::json capability_args = nlohmann::json::object();
};

// A plugin of the chain failed. It IS the plugin's error (code, msg and details exactly as
// the plugin printed them), and also says which plugin and verb it came from.
class RuntimeError : public Error {
 public:
  RuntimeError(std::string plugin_type, std::string verb, const Error& e)
      : Error(e), plugin_type_(std::move(plugin_type)), verb_(std::move(verb)) {}
  const std::string& plugin_type() const { return plugin_type_; }
  const std::string& verb() const { return verb_; }
  // "plugin type=\"bridge\" failed (add): <msg>" as libcni words it.
  std::string describe() const;

 private:
  std::string plugin_type_;
  std::string verb_;
};

struct GcAttachment {
  std::string container_id;
  std::string ifname;
};

struct PluginVersion {
  std::string type;
  std::string path;                     // empty when not found
  std::vector<std::string> supported;   // the plugin's VERSION answer
  std::optional<Error> error;           // not found, or VERSION failed
  bool supports(const std::string& v) const;
};

// buildOneConfig: the plugin's own JSON with name and cniVersion from the list, prevResult
// when given, and runtimeConfig = the capability args this plugin declares true (only when
// non-empty; it replaces any runtimeConfig the file had).
nlohmann::json build_plugin_config(const NetConfList& list, const PluginConf& plugin,
                                   const nlohmann::json* prev_result, const nlohmann::json& capability_args);

class Runtime {
 public:
  explicit Runtime(std::vector<std::string> plugin_dirs, std::string cache_dir = kDefaultCacheDir);

  // ADD through the chain; every plugin's result (parsed, in the list's version) is the next
  // plugin's prevResult. Caches and returns the final result in the list's version.
  nlohmann::ordered_json add(const NetConfList& list, const RuntimeConf& rt) const;
  // CHECK (list version >= 0.4.0; a no-op with disableCheck) with the cached result.
  void check(const NetConfList& list, const RuntimeConf& rt) const;
  // DEL in reverse order, prevResult = the cached result (>= 0.4.0). A cache file that cannot
  // be used is removed and DEL goes ahead without prevResult; the cache file goes on success.
  void del(const NetConfList& list, const RuntimeConf& rt) const;
  // GCNetworkList: DEL for this network's cached attachments not in `valid`, then (>= 1.1.0,
  // unless disableGC) GC to every plugin. Returns every failure (empty: success).
  std::vector<RuntimeError> gc(const NetConfList& list, const std::vector<GcAttachment>& valid) const;
  // STATUS to every plugin (>= 1.1.0, else nothing); throws the first failure.
  void status(const NetConfList& list) const;
  // VERSION of every plugin of the list, failures recorded rather than thrown.
  std::vector<PluginVersion> versions(const NetConfList& list) const;
  // ValidateNetworkList: every plugin found and supporting the list's version; returns the
  // capabilities in use. Throws Error(kIncompatibleVersion) naming each plugin that fails.
  std::vector<std::string> validate(const NetConfList& list) const;

  const ResultCache& cache() const { return cache_; }

 private:
  std::string run_plugin(const std::string& verb, const PluginConf& plugin, const nlohmann::json& conf,
                         const RuntimeConf& rt) const;
  std::optional<nlohmann::json> cached_result(const NetConfList& list, const RuntimeConf& rt) const;
  PluginVersion probe_version(const std::string& type) const;

  std::vector<std::string> dirs_;
  ResultCache cache_;
};

}  // namespace cni
