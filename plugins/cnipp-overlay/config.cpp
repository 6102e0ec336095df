#include "config.hpp"

#include "cni/base/error.hpp"
#include "state_file.hpp"

namespace overlay_plugin {

namespace {
[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

std::string absolute_dir(const nlohmann::json& raw, const char* key, const std::string& fallback) {
  auto v = cni::get_string(raw, key, fallback);
  if (v.empty()) v = fallback;
  if (v[0] != '/') invalid(std::string("\"") + key + "\" must be an absolute path, not \"" + v + "\"");
  while (v.size() > 1 && v.back() == '/') v.pop_back();
  return v;
}
}  // namespace

OverlayConfig parse_config(const cni::NetConf& conf) {
  const auto& raw = conf.raw;
  OverlayConfig c;
  c.network = conf.name;
  c.cni_version = conf.cni_version;
  if (conf.ipam.is_object() && !conf.ipam.empty())
    invalid("cnipp-overlay assigns addresses from the agent's overlay subnet itself; remove \"ipam\"");
  c.state_dir = absolute_dir(raw, "stateDir", overlay::kDefaultStateDir);
  c.data_dir = absolute_dir(raw, "dataDir", kDefaultDataDir);
  c.bridge = cni::get_string(raw, "bridge");
  c.ip_masq = cni::get_bool(raw, "ipMasq", true);
  c.is_default_gateway = cni::get_bool(raw, "isDefaultGateway", true);
  c.hairpin = cni::get_bool(raw, "hairpinMode", false);
  auto mtu = cni::get_int(raw, "mtu", 0, 65535);
  c.mtu = mtu ? static_cast<int>(*mtu) : 0;
  if (c.mtu != 0 && c.mtu < 68) invalid("\"mtu\" is " + std::to_string(c.mtu) + ", must be 0 (the overlay's) or at least 68");
  return c;
}

}  // namespace overlay_plugin
