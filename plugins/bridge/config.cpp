#include "config.hpp"

#include <algorithm>
#include <set>

#include "cni/base/error.hpp"
#include "cni/spec/mac.hpp"
#include "cni/net/masq_conf.hpp"

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

}  // namespace

BridgeConfig parse_config(const cni::NetConf& conf, const std::string& cni_args) {
  const json& raw = conf.raw;
  BridgeConfig c;
  c.network = conf.name;
  c.cni_version = conf.cni_version;
  c.bridge = cni::get_string(raw, "bridge", "cni0");
  if (c.bridge.empty()) c.bridge = "cni0";
  cni::validate_link_name(c.bridge, "bridge name");
  c.is_gateway = cni::get_bool(raw, "isGateway", false);
  c.is_default_gateway = cni::get_bool(raw, "isDefaultGateway", false);
  if (c.is_default_gateway) c.is_gateway = true;
  c.force_address = cni::get_bool(raw, "forceAddress", false);
  const auto masq = cni::parse_masq_conf(raw);
  c.ip_masq = masq.enabled;
  c.masq_backend = masq.backend == cni::MasqBackend::iptables ? MasqBackend::kIptables : MasqBackend::kNftables;
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
  // Later sources override earlier ones: CNI_ARGS MAC=, then args.cni.mac, then runtimeConfig.mac.
  c.mac = cni::resolve_mac(conf, cni_args, {.config_key = nullptr, .cni_args = true, .args_cni = true, .runtime_config = true});
  return c;
}

void check_add_preconditions(const BridgeConfig& c) {
  if (!cni::Result::expressible(c.cni_version, !c.l2_only()))
    throw cni::Error(cni::kIncompatibleVersion,
                     "an L2-only bridge (no IPAM) cannot produce a result in version " + c.cni_version,
                     "results before 0.3.0 need an IP address; use cniVersion 0.3.0 or newer, or configure ipam");
}

}  // namespace bridge
