#include "config.hpp"

#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"

namespace hostlocal {

using cni::Cidr;
using cni::Error;
using cni::IpAddr;
using nlohmann::json;

namespace {

[[noreturn]] void invalid(const std::string& msg) { throw Error(cni::kInvalidNetworkConfig, msg); }

IpAddr parse_ip(const json& v, const std::string& what) {
  if (!v.is_string()) invalid(what + " must be a string");
  auto text = v.get<std::string>();
  // runtimeConfig.ips entries may carry a prefix ("10.1.0.5/24"); only the address counts.
  if (auto c = Cidr::parse(text)) return c->ip;
  auto ip = IpAddr::parse(text);
  if (!ip) invalid("invalid IP " + what + " \"" + text + "\"");
  return *ip;
}

std::optional<IpAddr> opt_ip(const json& obj, const char* key) {
  if (!obj.contains(key) || obj[key].is_null()) return std::nullopt;
  auto ip = parse_ip(obj[key], std::string("\"") + key + "\"");
  return ip;
}

// range.go Canonicalize.
Range canonical_range(const json& j) {
  if (!j.is_object()) invalid("a range must be an object");
  auto subnet_text = cni::get_string(j, "subnet");
  auto subnet = Cidr::parse(subnet_text);
  if (!subnet) invalid("invalid subnet \"" + subnet_text + "\"");
  if (subnet->prefix > subnet->ip.bits() - 2) invalid("Network " + subnet->str() + " too small to allocate from");
  if (subnet->has_host_bits())
    invalid("Network has host bits set. For a subnet mask of length " + std::to_string(subnet->prefix) +
            " the network address is " + subnet->ip.masked(subnet->prefix).str());
  Range r;
  r.subnet = *subnet;
  auto in_subnet = [&](const IpAddr& ip) { return subnet->contains(ip); };
  auto gw = opt_ip(j, "gateway");
  if (gw && gw->family() != subnet->ip.family()) invalid("gateway " + gw->str() + " is not in the subnet's family");
  r.gateway = gw ? *gw : subnet->ip.next();
  if (auto s = opt_ip(j, "rangeStart")) {
    if (!in_subnet(*s)) invalid("RangeStart " + s->str() + " not in network " + subnet->str());
    r.start = *s;
  } else {
    r.start = subnet->ip.next();
  }
  if (auto e = opt_ip(j, "rangeEnd")) {
    if (!in_subnet(*e) || *e < r.start) invalid("RangeEnd " + e->str() + " not in network " + subnet->str());
    r.end = *e;
  } else {
    r.end = subnet->broadcast();
    if (r.end.is_v4()) r.end = r.end.prev();  // the broadcast address is never handed out
  }
  return r;
}

RangeSet canonical_set(const json& j, size_t index) {
  if (!j.is_array() || j.empty()) invalid("invalid range set " + std::to_string(index) + ": empty range set");
  RangeSet set;
  try {
    for (const auto& r : j) set.ranges.push_back(canonical_range(r));
    int family = set.ranges[0].subnet.ip.family();
    for (const auto& r : set.ranges)
      if (r.subnet.ip.family() != family) invalid("mixed address families");
    for (size_t a = 0; a < set.ranges.size(); ++a)
      for (size_t b = a + 1; b < set.ranges.size(); ++b)
        if (set.ranges[a].overlaps(set.ranges[b]))
          invalid("subnets " + set.ranges[a].subnet.str() + " and " + set.ranges[b].subnet.str() + " overlap");
  } catch (const Error& e) {
    invalid("invalid range set " + std::to_string(index) + ": " + e.msg());
  }
  return set;
}

}  // namespace

bool Range::contains(const IpAddr& ip) const { return subnet.contains(ip) && !(ip < start) && !(end < ip); }

bool Range::overlaps(const Range& o) const {
  if (subnet.ip.family() != o.subnet.ip.family()) return false;
  return contains(o.start) || contains(o.end) || o.contains(start) || o.contains(end);
}

std::string Range::str() const { return start.str() + "-" + end.str(); }

const Range* RangeSet::range_for(const IpAddr& ip) const {
  for (const auto& r : ranges)
    if (r.contains(ip)) return &r;
  return nullptr;
}

bool RangeSet::overlaps(const RangeSet& o) const {
  for (const auto& a : ranges)
    for (const auto& b : o.ranges)
      if (a.overlaps(b)) return true;
  return false;
}

std::string RangeSet::str() const {
  std::string s;
  for (const auto& r : ranges) s += (s.empty() ? "" : ",") + r.str();
  return s;
}

Config load_config(const cni::NetConf& conf, const std::string& cni_args) {
  if (!conf.ipam.is_object()) invalid("IPAM config missing 'ipam' key");
  const json& ipam = conf.ipam;
  Config c;
  c.network = conf.name;
  c.cni_version = conf.cni_version;
  c.data_dir = cni::get_string(ipam, "dataDir", kDefaultDataDir);
  if (c.data_dir.empty()) c.data_dir = kDefaultDataDir;
  c.resolv_conf = cni::get_string(ipam, "resolvConf");

  // Requested IPs, in the reference's order: CNI_ARGS IP, args.cni.ips, runtimeConfig.ips.
  // MAC= is the main plugin's key (bridge reads it from the same CNI_ARGS that IPAM is
  // delegated with); the reference rejects it here unless IgnoreUnknown is set, which makes
  // MAC= unusable with host-local. We accept and ignore it.
  auto args = cni::CniArgs::parse(cni_args, {"IP", "MAC"});
  if (auto ip = args.get("IP")) {
    auto parsed = IpAddr::parse(*ip);
    if (!parsed) throw Error(cni::kInvalidEnvironment, "ARGS: invalid IP \"" + *ip + "\"");
    c.requested.push_back(*parsed);
  }
  if (conf.args.is_object() && conf.args.contains("cni") && conf.args["cni"].is_object()) {
    const auto& a = conf.args["cni"];
    if (a.contains("ips") && !a["ips"].is_null()) {
      if (!a["ips"].is_array()) invalid("\"args.cni.ips\" must be a list");
      for (const auto& ip : a["ips"]) c.requested.push_back(parse_ip(ip, "in args.cni.ips"));
    }
  }
  if (conf.runtime_config.is_object() && conf.runtime_config.contains("ips") &&
      !conf.runtime_config["ips"].is_null()) {
    if (!conf.runtime_config["ips"].is_array()) invalid("\"runtimeConfig.ips\" must be a list");
    for (const auto& ip : conf.runtime_config["ips"]) c.requested.push_back(parse_ip(ip, "in runtimeConfig.ips"));
  }

  // Range sets: runtimeConfig.ipRanges, then the legacy single range, then "ranges".
  std::vector<json> sets;
  if (conf.runtime_config.is_object() && conf.runtime_config.contains("ipRanges") &&
      !conf.runtime_config["ipRanges"].is_null()) {
    if (!conf.runtime_config["ipRanges"].is_array()) invalid("\"runtimeConfig.ipRanges\" must be a list");
    for (const auto& s : conf.runtime_config["ipRanges"]) sets.push_back(s);
  }
  if (ipam.contains("subnet") && !ipam["subnet"].is_null()) {
    json legacy = json::object();
    for (const char* k : {"subnet", "rangeStart", "rangeEnd", "gateway"})
      if (ipam.contains(k)) legacy[k] = ipam[k];
    sets.push_back(json::array({legacy}));
  }
  if (ipam.contains("ranges") && !ipam["ranges"].is_null()) {
    if (!ipam["ranges"].is_array()) invalid("\"ranges\" must be a list of range sets");
    for (const auto& s : ipam["ranges"]) sets.push_back(s);
  }
  if (sets.empty()) invalid("no IP ranges specified");
  int v4 = 0, v6 = 0;
  for (size_t i = 0; i < sets.size(); ++i) {
    c.range_sets.push_back(canonical_set(sets[i], i));
    (c.range_sets.back().ranges[0].start.is_v4() ? v4 : v6)++;
  }
  if ((v4 > 1 || v6 > 1) && !cni::version_at_least(c.cni_version, "0.3.0"))
    invalid("CNI version " + c.cni_version + " does not support more than 1 address per family");
  for (size_t i = 0; i < c.range_sets.size(); ++i)
    for (size_t j = i + 1; j < c.range_sets.size(); ++j)
      if (c.range_sets[i].overlaps(c.range_sets[j]))
        invalid("range set " + std::to_string(i) + " overlaps with " + std::to_string(j));

  c.routes = cni::get_routes(ipam, "routes");
  // Every requested IP must fall in some range set: refuse before touching the disk.
  for (const auto& ip : c.requested) {
    bool found = false;
    for (const auto& s : c.range_sets) found = found || s.contains(ip);
    if (!found) invalid("requested IP " + ip.str() + " is not in any configured range");
  }
  return c;
}

}  // namespace hostlocal
