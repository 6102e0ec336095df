// What the Mesos agent adds to a network config: args["org.apache.mesos"]["network_info"],
// the task's NetworkInfo protobuf as JSON (port_mappings, labels, ...). Read here once for
// every plugin that acts on it (mesos-cni-port-mapper, cnipp-chain).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni::mesos {

inline constexpr const char* kArgsKey = "org.apache.mesos";

struct PortMapping {
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol;  // "tcp", "udp" or "sctp"
};

// network_info.port_mappings. A Marathon protocol "udp,tcp" is one mapping per protocol
// (absent: tcp); the same mapping twice is taken once; one host port to two container ports
// is refused. Ports are numbers or decimal strings (protobuf's JSON for uint32).
// Throws Error(kInvalidNetworkConfig) in the words of Mesos's own plugin ("Failed to parse
// 'network_info': ...").
std::vector<PortMapping> port_mappings(const nlohmann::json& network_info);

// network_info.labels.labels as (key, value) pairs; absent: none.
std::vector<std::pair<std::string, std::string>> labels(const nlohmann::json& network_info);

}  // namespace cni::mesos
