// static IPAM's configuration: the addresses (with gateways), routes and dns of the config,
// overridden per container by CNI_ARGS IP=/GATEWAY=, args.cni.ips and runtimeConfig.ips.
// Everything is decoded and checked before a result is printed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/spec/result.hpp"

namespace staticipam {

struct Address {
  cni::Cidr address;  // with its prefix, host bits kept: 10.1.0.5/24
  std::optional<cni::IpAddr> gateway;
};

struct Config {
  std::vector<Address> addresses;
  std::vector<cni::Route> routes;
  cni::Dns dns;
};

// Throws cni::Error code 7 for a missing "ipam", a bad CIDR or gateway, a gateway of the
// other family, or more than one address per family at 0.1.0/0.2.0; code 4 for CNI_ARGS
// keys it does not know (unless IgnoreUnknown).
Config load_config(const cni::NetConf& conf, const std::string& cni_args);

}  // namespace staticipam
