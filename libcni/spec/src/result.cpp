#include "cni/spec/result.hpp"

#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"

namespace cni {

namespace {

using ojson = nlohmann::ordered_json;

[[noreturn]] void bad(const std::string& what) { throw Error(kDecodingFailure, "failed to decode result: " + what); }

std::string get_string(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_string()) bad(std::string("\"") + key + "\" is not a string");
  return j[key].get<std::string>();
}

std::vector<std::string> get_strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (!j[key].is_array()) bad(std::string("\"") + key + "\" is not a list");
  for (const auto& v : j[key]) {
    if (!v.is_string()) bad(std::string("\"") + key + "\" holds a non-string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<int> get_int(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_number_integer()) bad(std::string("\"") + key + "\" is not an integer");
  auto v = j[key].get<int64_t>();
  if (v < INT32_MIN || v > INT32_MAX) bad(std::string("\"") + key + "\" is out of range");
  return static_cast<int>(v);
}

Cidr get_cidr(const nlohmann::json& j, const char* key) {
  auto text = get_string(j, key);
  auto c = Cidr::parse(text);
  if (!c) bad(std::string("invalid CIDR in \"") + key + "\": \"" + text + "\"");
  return *c;
}

std::optional<IpAddr> get_ip(const nlohmann::json& j, const char* key) {
  auto text = get_string(j, key);
  if (text.empty()) return std::nullopt;
  auto ip = IpAddr::parse(text);
  if (!ip) bad(std::string("invalid IP in \"") + key + "\": \"" + text + "\"");
  return ip;
}

Route parse_route(const nlohmann::json& j) {
  if (!j.is_object()) bad("route is not an object");
  Route r;
  r.dst = get_cidr(j, "dst");
  r.gw = get_ip(j, "gw");
  r.mtu = get_int(j, "mtu");
  r.advmss = get_int(j, "advmss");
  r.priority = get_int(j, "priority");
  r.table = get_int(j, "table");
  r.scope = get_int(j, "scope");
  return r;
}

ojson route_json(const Route& r, bool v11) {
  ojson j;
  j["dst"] = r.dst.str();
  if (r.gw) j["gw"] = r.gw->str();
  if (v11) {
    if (r.mtu) j["mtu"] = *r.mtu;
    if (r.advmss) j["advmss"] = *r.advmss;
    if (r.priority) j["priority"] = *r.priority;
    if (r.table) j["table"] = *r.table;
    if (r.scope) j["scope"] = *r.scope;
  }
  return j;
}

// The pre-0.3.0 form: {"ip": cidr, "gateway": ip, "routes": [...]} under ip4/ip6.
void parse_old_ip(const nlohmann::json& j, Result& r) {
  if (!j.is_object()) bad("ip4/ip6 is not an object");
  IpConfig ip;
  ip.address = get_cidr(j, "ip");
  ip.gateway = get_ip(j, "gateway");
  r.ips.push_back(ip);
  if (j.contains("routes") && !j["routes"].is_null()) {
    if (!j["routes"].is_array()) bad("\"routes\" is not a list");
    for (const auto& rt : j["routes"]) r.routes.push_back(parse_route(rt));
  }
}

ojson old_ip_json(const IpConfig& ip, const std::vector<Route>& routes, int family) {
  ojson j;
  j["ip"] = ip.address.str();
  if (ip.gateway) j["gateway"] = ip.gateway->str();
  ojson rs = ojson::array();
  for (const auto& r : routes)
    if (r.dst.ip.family() == family) rs.push_back(route_json(r, false));
  if (!rs.empty()) j["routes"] = rs;
  return j;
}

}  // namespace

Dns Dns::from_json(const nlohmann::json& j) {
  Dns d;
  if (j.is_null()) return d;
  if (!j.is_object()) bad("\"dns\" is not an object");
  d.nameservers = get_strings(j, "nameservers");
  d.domain = get_string(j, "domain");
  d.search = get_strings(j, "search");
  d.options = get_strings(j, "options");
  return d;
}

ojson Dns::to_json() const {
  ojson j = ojson::object();
  if (!nameservers.empty()) j["nameservers"] = nameservers;
  if (!domain.empty()) j["domain"] = domain;
  if (!search.empty()) j["search"] = search;
  if (!options.empty()) j["options"] = options;
  return j;
}

Result Result::from_json(const nlohmann::json& j) {
  if (!j.is_object()) bad("not a JSON object");
  Result r;
  r.cni_version = j.contains("cniVersion") && j["cniVersion"].is_string() ? j["cniVersion"].get<std::string>()
                                                                           : kImplicitVersion;
  if (j.contains("ip4") || j.contains("ip6")) {
    // ip4 first, then ip6; routes of each family follow, as the reference's upconversion does.
    for (const char* key : {"ip4", "ip6"})
      if (j.contains(key) && !j[key].is_null()) parse_old_ip(j[key], r);
  } else {
    if (j.contains("interfaces") && !j["interfaces"].is_null()) {
      if (!j["interfaces"].is_array()) bad("\"interfaces\" is not a list");
      for (const auto& i : j["interfaces"]) {
        if (!i.is_object()) bad("interface is not an object");
        Interface itf;
        itf.name = get_string(i, "name");
        itf.mac = get_string(i, "mac");
        itf.mtu = get_int(i, "mtu");
        itf.sandbox = get_string(i, "sandbox");
        itf.socket_path = get_string(i, "socketPath");
        itf.pci_id = get_string(i, "pciID");
        r.interfaces.push_back(itf);
      }
    }
    if (j.contains("ips") && !j["ips"].is_null()) {
      if (!j["ips"].is_array()) bad("\"ips\" is not a list");
      for (const auto& i : j["ips"]) {
        if (!i.is_object()) bad("ip is not an object");
        IpConfig ip;
        ip.address = get_cidr(i, "address");
        ip.gateway = get_ip(i, "gateway");
        ip.interface = get_int(i, "interface");
        if (ip.interface && (*ip.interface < 0 || *ip.interface >= static_cast<int>(r.interfaces.size())))
          bad("ip's interface index " + std::to_string(*ip.interface) + " is out of range");
        r.ips.push_back(ip);
      }
    }
    if (j.contains("routes") && !j["routes"].is_null()) {
      if (!j["routes"].is_array()) bad("\"routes\" is not a list");
      for (const auto& rt : j["routes"]) r.routes.push_back(parse_route(rt));
    }
  }
  if (j.contains("dns")) r.dns = Dns::from_json(j["dns"]);
  return r;
}

bool Result::expressible(const std::string& version, bool has_ip) {
  return has_ip || version_at_least(version, "0.3.0");
}

ojson Result::to_json(const std::string& version) const {
  if (!is_supported_version(version))
    throw Error(kIncompatibleVersion, "cannot convert result to unsupported version \"" + version + "\"");
  ojson j;
  j["cniVersion"] = version;
  if (!version_at_least(version, "0.3.0")) {
    // 0.1.0/0.2.0: only the first IPv4 and first IPv6 survive; interfaces are dropped.
    const IpConfig* ip4 = nullptr;
    const IpConfig* ip6 = nullptr;
    for (const auto& ip : ips) {
      if (ip.address.ip.is_v4() && !ip4) ip4 = &ip;
      if (ip.address.ip.is_v6() && !ip6) ip6 = &ip;
    }
    if (!ip4 && !ip6)
      throw Error(kIncompatibleVersion, "cannot convert result to version " + version + ": no valid IP addresses",
                  "CNI " + version + " results must carry an IP address; use cniVersion 0.3.0 or newer");
    if (ip4) j["ip4"] = old_ip_json(*ip4, routes, 4);
    if (ip6) j["ip6"] = old_ip_json(*ip6, routes, 6);
    if (!dns.empty()) j["dns"] = dns.to_json();
    return j;
  }
  const bool with_family = !version_at_least(version, "1.0.0");
  const bool v11 = version_at_least(version, "1.1.0");
  if (!interfaces.empty()) {
    ojson arr = ojson::array();
    for (const auto& i : interfaces) {
      ojson o;
      o["name"] = i.name;
      if (!i.mac.empty()) o["mac"] = i.mac;
      if (v11 && i.mtu) o["mtu"] = *i.mtu;
      if (!i.sandbox.empty()) o["sandbox"] = i.sandbox;
      if (v11 && !i.socket_path.empty()) o["socketPath"] = i.socket_path;
      if (v11 && !i.pci_id.empty()) o["pciID"] = i.pci_id;
      arr.push_back(o);
    }
    j["interfaces"] = arr;
  }
  if (!ips.empty()) {
    ojson arr = ojson::array();
    for (const auto& ip : ips) {
      ojson o;
      if (with_family) o["version"] = ip.address.ip.is_v4() ? "4" : "6";
      if (ip.interface) o["interface"] = *ip.interface;
      o["address"] = ip.address.str();
      if (ip.gateway) o["gateway"] = ip.gateway->str();
      arr.push_back(o);
    }
    j["ips"] = arr;
  }
  if (!routes.empty()) {
    ojson arr = ojson::array();
    for (const auto& r : routes) arr.push_back(route_json(r, v11));
    j["routes"] = arr;
  }
  if (!dns.empty()) j["dns"] = dns.to_json();
  return j;
}

}  // namespace cni
