#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "cni/error.hpp"

namespace bridge {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

// One vlanTrunk entry: {"id": n} and/or {"minID": a, "maxID": b}, every ID 1-4094.
void add_trunk_entry(const json& item, std::set<int>& out) {
  if (!item.is_object()) invalid("\"vlanTrunk\" entries must be objects like {\"id\": 10} or {\"minID\": 10, \"maxID\": 20}");
  auto min_id = cni::get_int(item, "minID", INT32_MIN, INT32_MAX);
  auto max_id = cni::get_int(item, "maxID", INT32_MIN, INT32_MAX);
  auto id = cni::get_int(item, "id", INT32_MIN, INT32_MAX);
  if (min_id && !max_id) invalid("minID and maxID should be configured simultaneously, maxID is missing");
  if (!min_id && max_id) invalid("minID and maxID should be configured simultaneously, minID is missing");
  if (min_id) {
    if (*min_id <= 0 || *min_id > 4094) invalid("incorrect trunk minID parameter", "minID must be between 1 and 4094");
    if (*max_id <= 0 || *max_id > 4094) invalid("incorrect trunk maxID parameter", "maxID must be between 1 and 4094");
    if (*max_id < *min_id) invalid("minID is greater than maxID in trunk parameter");
    for (int64_t v = *min_id; v <= *max_id; ++v) out.insert(static_cast<int>(v));
  }
  if (id) {
    if (*id <= 0 || *id > 4094) invalid("incorrect trunk id parameter", "id must be between 1 and 4094");
    out.insert(static_cast<int>(*id));
  }
}

std::vector<int> parse_trunk(const json& raw) {
  if (!raw.contains("vlanTrunk") || raw["vlanTrunk"].is_null()) return {};
  if (!raw["vlanTrunk"].is_array()) invalid("\"vlanTrunk\" must be a list");
  std::set<int> ids;
  for (const auto& item : raw["vlanTrunk"]) add_trunk_entry(item, ids);
  return {ids.begin(), ids.end()};
}

// The kernel takes names up to 15 bytes without '/', ':' or whitespace; a bad bridge name
// would otherwise surface as an opaque EINVAL from RTM_NEWLINK.
void validate_bridge_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 15 && name != "." && name != "..";
  for (char c : name)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0') ok = false;
  if (!ok) invalid("invalid bridge name \"" + name + "\"", "an interface name has 1-15 characters and no '/', ':' or whitespace");
}

std::string mac_from(const std::string& text, const char* source) {
  auto mac = canonical_mac(text);
  if (!mac) invalid(std::string("invalid MAC address \"") + text + "\" in " + source);
  // The kernel refuses group addresses on a veth; say so before anything exists.
  int first = std::stoi(mac->substr(0, 2), nullptr, 16);
  if (first & 1) invalid(std::string("MAC address \"") + text + "\" in " + source + " is a multicast address");
  if (*mac == "00:00:00:00:00:00") invalid(std::string("MAC address \"") + text + "\" in " + source + " is all zeros");
  return *mac;
}

// Later sources override earlier ones: CNI_ARGS MAC=, then args.cni.mac, then runtimeConfig.mac.
std::string resolve_mac(const cni::NetConf& conf, const std::string& cni_args) {
  std::string mac;
  auto env = cni::CniArgs::parse(cni_args, {"MAC"});
  if (auto v = env.get("MAC"); v && !v->empty()) mac = mac_from(*v, "CNI_ARGS");
  if (conf.args.is_object() && conf.args.contains("cni") && conf.args["cni"].is_object()) {
    auto v = cni::get_string(conf.args["cni"], "mac");
    if (!v.empty()) mac = mac_from(v, "args.cni.mac");
  }
  auto v = cni::get_string(conf.runtime_config, "mac");
  if (!v.empty()) mac = mac_from(v, "runtimeConfig.mac");
  return mac;
}

}  // namespace

std::optional<std::string> canonical_mac(const std::string& text) {
  if (text.size() != 17) return std::nullopt;
  const char sep = text[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (i % 3 == 2) {
      if (c != sep) return std::nullopt;
      out += ':';
    } else {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

BridgeConfig parse_config(const cni::NetConf& conf, const std::string& cni_args) {
  const json& raw = conf.raw;
  BridgeConfig c;
  c.network = conf.name;
  c.cni_version = conf.cni_version;
  c.bridge = cni::get_string(raw, "bridge", "cni0");
  if (c.bridge.empty()) c.bridge = "cni0";
  validate_bridge_name(c.bridge);
  c.is_gateway = cni::get_bool(raw, "isGateway", false);
  c.is_default_gateway = cni::get_bool(raw, "isDefaultGateway", false);
  if (c.is_default_gateway) c.is_gateway = true;
  c.force_address = cni::get_bool(raw, "forceAddress", false);
  c.ip_masq = cni::get_bool(raw, "ipMasq", false);
  auto backend = cni::get_string(raw, "ipMasqBackend", "");
  if (backend.empty() || backend == "nftables") c.masq_backend = MasqBackend::kNftables;
  else if (backend == "iptables") c.masq_backend = MasqBackend::kIptables;
  else invalid("unknown ipMasqBackend \"" + backend + "\"", "use \"nftables\" or \"iptables\"");
  // 0 keeps the kernel default; otherwise the kernel's own bounds for an Ethernet MTU.
  auto mtu = cni::get_int(raw, "mtu", 0, 65535);
  c.mtu = mtu ? static_cast<int>(*mtu) : 0;
  if (c.mtu != 0 && c.mtu < 68) invalid("\"mtu\" is " + std::to_string(c.mtu) + ", must be 0 (kernel default) or between 68 and 65535");
  c.hairpin = cni::get_bool(raw, "hairpinMode", false);
  c.promisc = cni::get_bool(raw, "promiscMode", false);
  if (c.hairpin && c.promisc) invalid("cannot set hairpin mode and promiscuous mode at the same time");
  auto vlan = cni::get_int(raw, "vlan", INT64_MIN, INT64_MAX).value_or(0);
  if (vlan < 0 || vlan > 4094) invalid("invalid VLAN ID " + std::to_string(vlan) + " (must be between 0 and 4094)");
  c.vlan = static_cast<int>(vlan);
  c.trunk = parse_trunk(raw);
  if (c.vlan > 0 && !c.trunk.empty()) invalid("cannot set vlan and vlanTrunk at the same time");
  c.preserve_default_vlan = cni::get_bool(raw, "preserveDefaultVlan", true);
  c.macspoofchk = cni::get_bool(raw, "macspoofchk", false);
  c.enable_dad = cni::get_bool(raw, "enabledad", false);
  c.disable_container_interface = cni::get_bool(raw, "disableContainerInterface", false);
  c.port_isolation = cni::get_bool(raw, "portIsolation", false);
  c.ipam_type = conf.ipam_type();
  if (c.ipam_type.find('/') != std::string::npos) invalid("invalid IPAM type \"" + c.ipam_type + "\": must not contain '/'");
  if (c.disable_container_interface && !c.l2_only())
    invalid("cannot use IPAM when disableContainerInterface flag is set");
  c.dns = conf.dns;
  c.mac = resolve_mac(conf, cni_args);
  return c;
}

void check_add_preconditions(const BridgeConfig& c) {
  if (!cni::Result::expressible(c.cni_version, !c.l2_only()))
    throw cni::Error(cni::kIncompatibleVersion,
                     "an L2-only bridge (no IPAM) cannot produce a result in version " + c.cni_version,
                     "results before 0.3.0 need an IP address; use cniVersion 0.3.0 or newer, or configure ipam");
}

}  // namespace bridge
