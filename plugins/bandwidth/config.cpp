#include "config.hpp"

#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"

namespace bandwidth {

namespace {

using nlohmann::json;

uint64_t value_of(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key) || obj[key].is_null()) return 0;
  const auto& v = obj[key];
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  throw cni::Error(cni::kInvalidNetworkConfig, "\"" + where + key + "\" must be a whole number of bits (per second) >= 0");
}

void validate(uint64_t rate, uint64_t burst) {
  if (burst == 0 && rate > 0) throw cni::Error(cni::kInvalidNetworkConfig, "if rate is set, burst must also be set");
  if (rate == 0 && burst > 0) throw cni::Error(cni::kInvalidNetworkConfig, "if burst is set, rate must also be set");
  if (burst / 8 >= 0xffffffffull) throw cni::Error(cni::kInvalidNetworkConfig, "burst cannot be more than 4GB");
}

constexpr const char* kKeys[] = {"ingressRate", "ingressBurst", "egressRate", "egressBurst"};

}  // namespace

Limits parse_config(const cni::NetConf& conf) {
  const json& raw = conf.raw;
  bool top = false;
  for (const char* k : kKeys)
    if (raw.contains(k) && !raw[k].is_null()) top = true;
  const json* src = &raw;
  std::string where;
  if (!top) {
    static const json empty = json::object();
    src = &empty;
    if (conf.runtime_config.is_object() && conf.runtime_config.contains("bandwidth")) {
      const auto& bw = conf.runtime_config["bandwidth"];
      if (!bw.is_null() && !bw.is_object()) throw cni::Error(cni::kInvalidNetworkConfig, "\"runtimeConfig.bandwidth\" must be an object");
      if (bw.is_object()) src = &bw;
      where = "runtimeConfig.bandwidth.";
    }
  }
  Limits l;
  l.ingress_rate = value_of(*src, "ingressRate", where);
  l.ingress_burst = value_of(*src, "ingressBurst", where);
  l.egress_rate = value_of(*src, "egressRate", where);
  l.egress_burst = value_of(*src, "egressBurst", where);
  validate(l.ingress_rate, l.ingress_burst);
  validate(l.egress_rate, l.egress_burst);
  return l;
}

std::string ifb_name(const std::string& network, const std::string& container_id) {
  return "bwp" + cni::sha512_hex(network + container_id).substr(0, 12);
}

}  // namespace bandwidth
