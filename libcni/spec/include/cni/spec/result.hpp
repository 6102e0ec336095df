// One result model (the 1.1.0 superset) and its exact JSON form in every spec version.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/base/ip.hpp"

namespace cni {

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;

  bool empty() const { return nameservers.empty() && domain.empty() && search.empty() && options.empty(); }
  static Dns from_json(const nlohmann::json& j);  // throws Error(kDecodingFailure)
  nlohmann::ordered_json to_json() const;
};

struct Interface {
  std::string name;
  std::string mac;
  std::optional<int> mtu;  // 1.1.0
  std::string sandbox;
  std::string socket_path;  // 1.1.0
  std::string pci_id;       // 1.1.0
};

struct IpConfig {
  Cidr address;  // the address with its prefix, e.g. 10.1.0.5/24
  std::optional<IpAddr> gateway;
  std::optional<int> interface;  // index into Result::interfaces
};

struct Route {
  Cidr dst;
  std::optional<IpAddr> gw;
  std::optional<int> mtu, advmss, priority, table, scope;  // 1.1.0
};

struct Result {
  std::string cni_version;  // the version the result was parsed from (informational)
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  Dns dns;

  // Parses a result of any version (0.1/0.2 ip4/ip6 form, or the 0.3+ form).
  static Result from_json(const nlohmann::json& j);
  // The result in `version`'s JSON. Throws Error(kIncompatibleVersion) when the version
  // cannot express it: 0.1.0/0.2.0 need at least one IP.
  nlohmann::ordered_json to_json(const std::string& version) const;
  // Whether to_json(version) would succeed; lets plugins reject before creating anything.
  static bool expressible(const std::string& version, bool has_ip);
};

}  // namespace cni
