// bandwidth's configuration: the four limits from the config, or (when the config sets none
// of them) from runtimeConfig.bandwidth, validated with the reference's rules.
#pragma once

#include <cstdint>
#include <string>

#include "cni/spec/config.hpp"

namespace bandwidth {

struct Limits {
  uint64_t ingress_rate = 0, ingress_burst = 0;  // into the container: bits/s, bits
  uint64_t egress_rate = 0, egress_burst = 0;    // out of the container
  bool shapes_ingress() const { return ingress_rate > 0 && ingress_burst > 0; }
  bool shapes_egress() const { return egress_rate > 0 && egress_burst > 0; }
  bool none() const { return !shapes_ingress() && !shapes_egress(); }
};

// Throws cni::Error(kInvalidNetworkConfig): a rate without a burst (or the other way
// round), a burst of 4 GiB or more, a negative or non-integer value.
Limits parse_config(const cni::NetConf& conf);

// The ifb device for egress shaping: "bwp" + sha512(network + containerID)[:12], the
// reference's name, so either plugin's DEL removes the other's device.
std::string ifb_name(const std::string& network, const std::string& container_id);

}  // namespace bandwidth
