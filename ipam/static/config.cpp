#include "config.hpp"

#include "cni/spec/env.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"

namespace staticipam {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto end = s.find(',', start);
    out.push_back(trim(s.substr(start, end == std::string::npos ? std::string::npos : end - start)));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

cni::Cidr parse_cidr(const std::string& text, const std::string& source) {
  auto c = cni::Cidr::parse(text);
  if (!c) invalid("invalid CIDR " + text + " in " + source, "an address is expected to be in CIDR notation, e.g. 10.1.0.5/24");
  return *c;
}

std::optional<cni::IpAddr> parse_gateway(const json& entry, const cni::Cidr& address, size_t i) {
  auto text = cni::get_string(entry, "gateway");
  if (text.empty()) return std::nullopt;
  auto gw = cni::IpAddr::parse(text);
  if (!gw) invalid("invalid gateway \"" + text + "\" of address " + std::to_string(i));
  if (gw->family() != address.ip.family())
    invalid("gateway " + gw->str() + " of address " + address.str() + " is of the other IP family");
  return gw;
}

std::vector<Address> config_addresses(const json& ipam) {
  std::vector<Address> out;
  if (!ipam.contains("addresses") || ipam["addresses"].is_null()) return out;
  if (!ipam["addresses"].is_array()) invalid("\"addresses\" must be a list");
  for (size_t i = 0; i < ipam["addresses"].size(); ++i) {
    const auto& e = ipam["addresses"][i];
    if (!e.is_object()) invalid("\"addresses\" entries must be objects like {\"address\": \"10.1.0.5/24\"}");
    Address a;
    a.address = parse_cidr(cni::get_string(e, "address"), "\"addresses\"");
    a.gateway = parse_gateway(e, a.address, i);
    out.push_back(a);
  }
  return out;
}

// args.cni.ips or runtimeConfig.ips: CIDR strings that replace every configured address.
std::optional<std::vector<Address>> override_list(const json& obj, const std::string& source) {
  if (!obj.is_object() || !obj.contains("ips") || obj["ips"].is_null()) return std::nullopt;
  auto list = cni::get_string_list(obj, "ips");
  if (list.empty()) return std::nullopt;
  std::vector<Address> out;
  for (const auto& item : list) out.push_back({parse_cidr(trim(item), source), std::nullopt});
  return out;
}

}  // namespace

Config load_config(const cni::NetConf& conf, const std::string& cni_args) {
  if (!conf.ipam.is_object()) invalid("IPAM config missing 'ipam' key");
  const json& ipam = conf.ipam;
  Config c;
  c.addresses = config_addresses(ipam);

  auto env = cni::CniArgs::parse(cni_args, {"IP", "GATEWAY"});
  const size_t first_from_args = c.addresses.size();
  if (auto ips = env.get("IP"); ips && !ips->empty())
    for (const auto& item : split_commas(*ips)) c.addresses.push_back({parse_cidr(item, "CNI_ARGS IP"), std::nullopt});
  if (auto gws = env.get("GATEWAY"); gws && !gws->empty()) {
    for (const auto& item : split_commas(*gws)) {
      auto gw = cni::IpAddr::parse(item);
      if (!gw) invalid("invalid gateway address \"" + item + "\" in CNI_ARGS GATEWAY");
      // A gateway applies to the CNI_ARGS addresses whose subnet holds it; the config's keep
      // their own (the reference's order of parsing has that effect, and runtimes rely on it).
      for (size_t i = first_from_args; i < c.addresses.size(); ++i)
        if (c.addresses[i].address.contains(*gw)) c.addresses[i].gateway = gw;
    }
  }
  if (conf.args.is_object() && conf.args.contains("cni"))
    if (auto list = override_list(conf.args["cni"], "args.cni.ips")) c.addresses = *list;
  if (auto list = override_list(conf.runtime_config, "runtimeConfig.ips")) c.addresses = *list;

  int v4 = 0, v6 = 0;
  for (const auto& a : c.addresses) ++(a.address.ip.is_v4() ? v4 : v6);
  if ((v4 > 1 || v6 > 1) && !cni::version_at_least(conf.cni_version, "0.3.0"))
    invalid("CNI version " + conf.cni_version + " does not support more than 1 address per family");

  c.routes = cni::get_routes(ipam, "routes");
  if (ipam.contains("dns") && !ipam["dns"].is_null()) {
    try {
      c.dns = cni::Dns::from_json(ipam["dns"]);
    } catch (const cni::Error& e) {
      invalid("invalid \"dns\": " + e.msg());
    }
  }
  return c;
}

}  // namespace staticipam
