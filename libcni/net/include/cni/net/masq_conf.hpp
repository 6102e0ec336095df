// What the masquerading plugins (bridge, ptp) share beyond libcni's rules: the config keys
// "ipMasq" and "ipMasqBackend", and GC.
#pragma once

#include <nlohmann/json.hpp>

#include "cni/net/masq.hpp"
#include "cni/spec/skel.hpp"

namespace cni {

struct MasqConf {
  bool enabled = false;                         // "ipMasq"
  MasqBackend backend = MasqBackend::nftables;  // "ipMasqBackend": "nftables" (default) | "iptables"
};

// Error(kInvalidNetworkConfig) for a wrong type or an unknown backend.
MasqConf parse_masq_conf(const nlohmann::json& raw);

// GC: masquerade rules of the network's attachments missing from
// "cni.dev/valid-attachments" are removed, then IPAM's GC runs (when `ipam_type` is set). A
// rule failure does not stop IPAM's GC; it is reported after it.
void gc_masq_and_ipam(const CmdArgs& args, const std::string& ipam_type);

}  // namespace cni
