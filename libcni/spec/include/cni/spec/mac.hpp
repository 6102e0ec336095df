// MAC addresses in configs: the text forms accepted, and the sources a plugin's container
// MAC comes from (config key, CNI_ARGS MAC=, args.cni.mac, runtimeConfig.mac).
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"

namespace cni {

// "aa:BB:cc:dd:ee:ff" or "aa-bb-cc-dd-ee-ff" -> "aa:bb:cc:dd:ee:ff"; nullopt when not a
// 6-byte MAC.
std::optional<std::string> canonical_mac(const std::string& text);

// `text` as a canonical MAC a link can carry: a unicast, non-zero address (the kernel
// refuses the others with an opaque EADDRNOTAVAIL). Error(kInvalidNetworkConfig) names
// `source` otherwise.
std::string unicast_mac(const std::string& text, const std::string& source);

// Which sources a plugin reads, lowest priority first; a later present one wins.
struct MacSources {
  const char* config_key = nullptr;  // a top-level key of the config, e.g. "mac"
  bool cni_args = true;              // CNI_ARGS MAC=
  bool args_cni = false;             // args.cni.mac
  bool runtime_config = true;        // runtimeConfig.mac (capability "mac")
};

// The container MAC from `sources` ("" when none is set). CNI_ARGS keys other than MAC (and
// IgnoreUnknown) are an error unless IgnoreUnknown is set, as the reference parses them.
std::string resolve_mac(const NetConf& conf, const std::string& cni_args, const MacSources& sources);

}  // namespace cni
