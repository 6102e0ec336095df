// The masquerade keys bridge and ptp share: "ipMasq" and "ipMasqBackend".
#pragma once

#include <nlohmann/json.hpp>

#include "cni/masq.hpp"

namespace cni {

struct MasqConf {
  bool enabled = false;                         // "ipMasq"
  MasqBackend backend = MasqBackend::nftables;  // "ipMasqBackend": "nftables" (default) | "iptables"
};

// Error(kInvalidNetworkConfig) for a wrong type or an unknown backend.
MasqConf parse_masq_conf(const nlohmann::json& raw);

}  // namespace cni
