#include "config.hpp"

#include <regex>
#include <set>

#include "cni/spec/env.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"

namespace tuning {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

// "net.ipv4.conf.IFNAME.rp_filter" -> "net/ipv4/conf/eth0/rp_filter". Dots become slashes
// first and IFNAME is replaced after, so an interface name with a dot ("eth0.100") keeps it
// (the reference did it the other way round before v1.2.0).
std::string sysctl_path(const std::string& key, const std::string& ifname) {
  std::string p = key;
  for (auto& ch : p)
    if (ch == '.') ch = '/';
  if (auto pos = p.find("IFNAME"); pos != std::string::npos) p.replace(pos, 6, ifname);
  return p;
}

void add_sysctls(const json& obj, const char* where, std::map<std::string, std::string>& into) {
  if (!obj.contains("sysctl") || obj["sysctl"].is_null()) return;
  const auto& m = obj["sysctl"];
  if (!m.is_object()) invalid(std::string("\"") + where + "sysctl\" must be an object of strings");
  for (const auto& [k, v] : m.items()) {
    if (!v.is_string()) invalid(std::string("sysctl \"") + k + "\" in \"" + where + "sysctl\" must be a string");
    into[k] = v.get<std::string>();
  }
}

std::optional<cni::Mac> mac_of(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) return std::nullopt;
  auto s = cni::get_string(obj, key);
  if (s.empty()) return std::nullopt;
  auto m = parse_mac(s);
  if (!m) invalid("invalid MAC address \"" + s + "\" in " + where);
  return m;
}

// The link settings a JSON object (the config, or args.cni) sets.
void read_link_keys(const json& obj, TuningConfig& c, const std::string& where) {
  if (auto m = mac_of(obj, "mac", where + "mac")) c.mac = m;
  if (obj.contains("promisc") && !obj["promisc"].is_null()) c.promisc = cni::get_bool(obj, "promisc", false);
  if (auto mtu = cni::get_int(obj, "mtu", 0, 65535); mtu && *mtu > 0) c.mtu = static_cast<int>(*mtu);
  if (obj.contains("allmulti") && !obj["allmulti"].is_null()) c.allmulti = cni::get_bool(obj, "allmulti", false);
  if (auto q = cni::get_int(obj, "txQLen", 0, INT32_MAX)) c.txqlen = static_cast<int>(*q);
}

bool allowed(const std::string& key, const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    try {
      if (std::regex_search(key, std::regex(p))) return true;
    } catch (const std::regex_error&) {
      invalid("invalid pattern \"" + p + "\" in " + kAllowlistPath);
    }
  }
  return false;
}

}  // namespace

std::optional<cni::Mac> parse_mac(const std::string& s) {
  std::string hex;
  if (s.size() == 17 && (s[2] == ':' || s[2] == '-')) {
    for (size_t i = 0; i < 17; ++i) {
      if (i % 3 == 2) {
        if (s[i] != s[2]) return std::nullopt;
      } else {
        hex += s[i];
      }
    }
  } else if (s.size() == 14 && s[4] == '.' && s[9] == '.') {
    hex = s.substr(0, 4) + s.substr(5, 4) + s.substr(10, 4);
  } else {
    return std::nullopt;
  }
  std::string colon;
  for (size_t i = 0; i < 12; i += 2) colon += (i ? ":" : "") + hex.substr(i, 2);
  return cni::mac_parse(colon);
}

std::optional<std::vector<std::string>> read_allowlist(const std::string& path) {
  auto text = cni::read_file_if_exists(path);
  if (!text) return std::nullopt;
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text->size()) {
    auto nl = text->find('\n', start);
    auto line = text->substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos) out.push_back(line.substr(b, e - b + 1));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

TuningConfig parse_config(const cni::NetConf& conf, const std::string& ifname, const std::string& cni_args,
                          const std::optional<std::vector<std::string>>& allowlist) {
  const json& raw = conf.raw;
  TuningConfig c;
  c.data_dir = cni::get_string(raw, "dataDir", kDefaultDataDir);
  if (c.data_dir.empty()) c.data_dir = kDefaultDataDir;
  if (c.data_dir.find('\0') != std::string::npos || c.data_dir[0] != '/')
    invalid("\"dataDir\" must be an absolute path", "got \"" + c.data_dir + "\"");

  std::map<std::string, std::string> sysctls;
  add_sysctls(raw, "", sysctls);
  read_link_keys(raw, c, "");
  // The MAC's sources, lowest first: the config, CNI_ARGS, runtimeConfig, args.cni.
  if (!cni_args.empty()) {
    auto args = cni::CniArgs::parse(cni_args, {"MAC"});
    if (auto m = args.get("MAC"); m && !m->empty()) {
      c.mac = parse_mac(*m);
      if (!c.mac) invalid("invalid MAC address \"" + *m + "\" in CNI_ARGS");
    }
  }
  if (auto m = mac_of(conf.runtime_config, "mac", "runtimeConfig.mac")) c.mac = m;
  // args.cni overrides what it names (the reference's version also zeroes what it leaves
  // out, and crashes on args.cni.sysctl when the config has no "sysctl").
  if (conf.args.is_object() && conf.args.contains("cni") && !conf.args["cni"].is_null()) {
    const auto& a = conf.args["cni"];
    if (!a.is_object()) invalid("\"args.cni\" must be an object");
    add_sysctls(a, "args.cni.", sysctls);
    read_link_keys(a, c, "args.cni.");
  }

  for (const auto& [key, value] : sysctls) {
    const auto path = sysctl_path(key, ifname);
    if (!path.starts_with("net/")) invalid("invalid net sysctl key \"" + key + "\"", "only net.* sysctls may be set");
    if (path.find("..") != std::string::npos || path.find("//") != std::string::npos || path.ends_with("/"))
      invalid("invalid net sysctl key \"" + key + "\"");
    if (value.find_first_of("\n\0", 0, 2) != std::string::npos)
      invalid("sysctl \"" + key + "\" value holds a line break or NUL byte");
    if (allowlist && !allowed(key, *allowlist)) {
      std::string list;
      for (const auto& p : *allowlist) list += (list.empty() ? "" : " ") + p;
      invalid("Sysctl " + key + " is not allowed. Only the following sysctls are allowed: [" + list + "]");
    }
    c.sysctls.push_back({key, path, value});
  }
  return c;
}

}  // namespace tuning
