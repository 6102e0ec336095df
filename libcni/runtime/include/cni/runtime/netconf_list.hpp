// Network configuration lists as a runtime loads them (libcni conf.go): *.conflist files,
// legacy single-plugin *.conf/*.json files upgraded to a one-plugin list, version
// selection from cniVersion/cniVersions, and HEAD's sibling-directory plugin files.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni {

// One plugin entry of a list: its JSON exactly as written (unknown keys kept), plus the
// two keys the runtime acts on.
struct PluginConf {
  nlohmann::json raw;
  std::string type;
  std::map<std::string, bool> capabilities;

  static PluginConf from_json(const nlohmann::json& j, const std::string& where);
};

struct NetConfList {
  std::string name;
  std::string cni_version;  // the selected version; "0.1.0" when the file names none
  bool disable_check = false;
  bool disable_gc = false;
  bool load_only_inlined_plugins = false;
  std::vector<PluginConf> plugins;
  std::string bytes;   // the raw list bytes: what the result cache stores (base64) as "config"
  std::string source;  // the file it came from (informational)

  // Parses and validates a conflist document. Throws Error code 6 (not JSON) or 7
  // (invalid: bad name, no plugins, a plugin without a valid type, wrong key types) or
  // 1 (no cniVersion we speak). `require_plugins` is false when sibling files may add them.
  static NetConfList from_bytes(std::string_view bytes, const std::string& source = {},
                                bool require_plugins = true);
  // ConfListFromConf: a legacy single-plugin config becomes a one-plugin list whose
  // bytes are the regenerated list document {"cniVersion","name","plugins":[conf]}.
  static NetConfList from_single_conf(std::string_view bytes, const std::string& source = {});

  // Every capability some plugin declares true, sorted.
  std::vector<std::string> capabilities() const;
};

// libcni LoadConfList: the first *.conflist (lexical order) whose name matches, with
// <dir>/<name>/*.conf plugins appended unless loadOnlyInlinedPlugins; otherwise the first
// matching *.conf/*.json upgraded. As in libcni, a file that fails to parse before the
// match is an error (naming the file). Not found: Error(kInvalidNetworkConfig).
NetConfList load_conf_list(const std::string& dir, const std::string& name);

// Every network in `dir` (for listings): lists first, then legacy files whose names are
// not taken yet. Files that fail to parse come back in `broken` with their error text.
struct ConfDirScan {
  std::vector<NetConfList> lists;
  std::vector<std::pair<std::string, std::string>> broken;  // file, error
};
ConfDirScan scan_conf_dir(const std::string& dir);

}  // namespace cni
