// host-local's configuration: range sets, requested IPs, routes, dataDir, resolvConf;
// canonicalised and validated exactly as the reference's allocator/config.go and range.go.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/spec/env.hpp"
#include "cni/base/ip.hpp"
#include "cni/spec/result.hpp"

namespace hostlocal {

struct Range {
  cni::Cidr subnet;  // network address (host bits refused)
  cni::IpAddr start, end, gateway;  // start/end inclusive
  bool contains(const cni::IpAddr& ip) const;  // in subnet and within [start, end]
  bool overlaps(const Range& o) const;
  std::string str() const;  // "start-end"
};

struct RangeSet {
  std::vector<Range> ranges;
  bool contains(const cni::IpAddr& ip) const { return range_for(ip) != nullptr; }
  const Range* range_for(const cni::IpAddr& ip) const;
  bool overlaps(const RangeSet& o) const;
  std::string str() const;  // "10.0.0.1-10.0.0.254,..."
};

struct Config {
  std::string network;
  std::string cni_version;
  std::vector<RangeSet> range_sets;
  std::vector<cni::IpAddr> requested;  // CNI_ARGS IP, args.cni.ips, runtimeConfig.ips
  std::vector<cni::Route> routes;
  std::string data_dir;  // <dataDir>; leases live in <dataDir>/<network>
  std::string resolv_conf;

  std::string lease_dir() const { return data_dir + "/" + network; }
};

inline constexpr const char* kDefaultDataDir = "/var/lib/cni/networks";

// Throws cni::Error: code 7 for invalid values, code 4 for bad CNI_ARGS.
Config load_config(const cni::NetConf& conf, const std::string& cni_args);

}  // namespace hostlocal
