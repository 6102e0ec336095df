// mesos-cni-port-mapper's configuration: Mesos's own keys (name, chain, excludeDevices,
// delegate, args) with its port mappings from args["org.apache.mesos"]["network_info"],
// decoded and validated before the delegate runs or a rule is written.
#pragma once

#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/net/hostport.hpp"

namespace mesos_port_mapper {

// Mesos's plugin's error codes (src/.../plugins/port_mapper): operators' tooling and
// runbooks know them; every error we print carries one of these.
enum Code : int {
  kStdinRead = 100,
  kBadConfig = 101,   // bad environment or config, delegate not found
  kDelegate = 102,    // the delegate plugin failed
  kRules = 103,       // the forwarding rules could not be written (iptables in Mesos's)
  kUnsupported = 104  // an unknown CNI_COMMAND
};

struct MapperConfig {
  std::string network;
  std::string chain;
  std::vector<std::string> exclude_devices;
  std::string delegate_type;
  std::vector<cni::hostport::Mapping> mappings;
  // What the delegate reads on stdin: the delegate object with the outer "name" and "args"
  // (a placeholder args when the config has none, as Mesos's plugin does).
  nlohmann::json delegate_conf;
};

// Throws cni::Error(kInvalidNetworkConfig) naming the key; the plugin reports it as 101.
MapperConfig parse_config(const cni::NetConf& conf);

}  // namespace mesos_port_mapper
