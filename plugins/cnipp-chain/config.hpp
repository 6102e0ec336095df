// cnipp-chain's configuration: a network config whose "plugins" run as a conflist, for
// runtimes that read one config per network and never chain (the Mesos isolator):
//   {"name": "...", "type": "cnipp-chain", "cniVersion"?: "...", "plugins": [ ... ],
//    "cacheDir"?: "/var/lib/cni"}
// What Mesos adds (args["org.apache.mesos"]["network_info"]) becomes what a conflist
// runtime would pass: port_mappings are the "portMappings" capability argument, labels are
// args.cni.labels (the CNI conventions' key) in every plugin's config.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/runtime/cache.hpp"
#include "cni/spec/config.hpp"

namespace chain {

struct ChainConfig {
  std::string name;
  std::vector<nlohmann::json> plugins;  // each plugin's own JSON, with the merged "args"
  std::string cache_dir = cni::kDefaultCacheDir;
  // Capability arguments: the config's runtimeConfig, plus portMappings from Mesos.
  nlohmann::json capability_args = nlohmann::json::object();
};

// Throws cni::Error(kInvalidNetworkConfig) naming the bad value.
ChainConfig parse_config(const cni::NetConf& conf);

// The conflist document the plugins run as, in `version`.
std::string list_document(const ChainConfig& c, const std::string& version);

}  // namespace chain
