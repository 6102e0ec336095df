#include "config.hpp"

#include "cni/base/error.hpp"

namespace ptp {

PtpConfig parse_config(const cni::NetConf& conf) {
  PtpConfig c;
  c.masq = cni::parse_masq_conf(conf.raw);
  c.mtu = static_cast<int>(cni::get_int(conf.raw, "mtu", 0, 65535).value_or(0));
  if (c.mtu != 0 && c.mtu < 68)
    throw cni::Error(cni::kInvalidNetworkConfig, "invalid MTU " + std::to_string(c.mtu) + ", must be 0 or at least 68");
  c.ipam_type = conf.ipam_type();
  if (c.ipam_type.empty())
    throw cni::Error(cni::kInvalidNetworkConfig, "ptp needs an IPAM plugin (\"ipam\": {\"type\": ...})",
                     "the container's traffic is routed through the host, so it needs addresses and gateways");
  c.dns = conf.dns;
  return c;
}

}  // namespace ptp
