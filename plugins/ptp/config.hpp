// The ptp plugin's configuration, decoded and validated before anything is touched.
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"
#include "cni/net/masq_conf.hpp"

namespace ptp {

struct PtpConfig {
  cni::MasqConf masq;  // "ipMasq", "ipMasqBackend" (nftables unless iptables is asked for)
  int mtu = 0;         // 0: the kernel's default
  std::string ipam_type;
  std::optional<cni::Dns> dns;  // applied only when it sets something
};

// Throws cni::Error code 7 for a bad MTU or backend, and for a missing IPAM: a ptp link is
// routed, so it needs addresses (and their gateways).
PtpConfig parse_config(const cni::NetConf& conf);

}  // namespace ptp
