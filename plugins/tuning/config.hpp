// tuning's configuration: every key of the reference's newest release (sysctl, mac, promisc,
// mtu, allmulti, txQLen, dataDir), with CNI_ARGS MAC, runtimeConfig.mac and args.cni
// overrides merged, and the sysctl allowlist applied, all before anything is changed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/kernel/netlink.hpp"

namespace tuning {

inline constexpr const char* kDefaultDataDir = "/run/cni/tuning";
inline constexpr const char* kAllowlistPath = "/etc/cni/tuning/allowlist.conf";

struct Sysctl {
  std::string key;   // as written, e.g. "net.ipv4.conf.IFNAME.arp_notify"
  std::string path;  // under /proc/sys, for this ifname: "net/ipv4/conf/eth0/arp_notify"
  std::string value;
};

struct TuningConfig {
  std::vector<Sysctl> sysctls;
  std::optional<cni::Mac> mac;
  bool promisc = false;  // true turns it on; false leaves it (and CHECK wants it off), as the reference
  std::optional<int> mtu;
  std::optional<bool> allmulti;
  std::optional<int> txqlen;
  std::string data_dir = kDefaultDataDir;

  bool changes_link() const { return mac || promisc || mtu || allmulti || txqlen; }
};

// Decodes the config for CNI_IFNAME `ifname` and CNI_ARGS `cni_args`. `allowlist` holds the
// allowlist file's patterns (nullopt: no file, everything under net.* is allowed).
// Throws cni::Error(kInvalidNetworkConfig) naming the bad value.
TuningConfig parse_config(const cni::NetConf& conf, const std::string& ifname, const std::string& cni_args,
                          const std::optional<std::vector<std::string>>& allowlist);

// The allowlist file's patterns: one regular expression per line, blank lines skipped;
// nullopt when there is no file.
std::optional<std::vector<std::string>> read_allowlist(const std::string& path = kAllowlistPath);

// The MAC formats Go's net.ParseMAC takes for 6 bytes: 00:11:22:33:44:55, 00-11-22-33-44-55,
// 0011.2233.4455 (any case).
std::optional<cni::Mac> parse_mac(const std::string& s);

}  // namespace tuning
