#include "cni/runtime/netconf_list.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"

namespace cni {

namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
  throw Error(kInvalidNetworkConfig, "invalid network configuration list" + (where.empty() ? "" : " " + where) +
                                         ": " + what);
}

// libcni readBool: a JSON bool, or the strings "true"/"false" in any case.
bool read_bool(const nlohmann::json& list, const char* key, const std::string& where) {
  if (!list.contains(key)) return false;
  const auto& v = list[key];
  if (v.is_boolean()) return v.get<bool>();
  if (!v.is_string()) invalid(where, std::string("\"") + key + "\" must be a bool or \"true\"/\"false\"");
  std::string s = v.get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true") return true;
  if (s == "false") return false;
  invalid(where, std::string("invalid value \"") + v.get<std::string>() + "\" for " + key);
}

// NetworkConfFromBytes: entries above our own version are dropped, cniVersion joins the
// candidates, the highest wins. We additionally drop versions we cannot speak (e.g. a
// typo'd "0.5.0"), so what is left is something every later step understands.
std::string select_version(const nlohmann::json& list, const std::string& where) {
  std::string single;
  if (list.contains("cniVersion")) {
    if (!list["cniVersion"].is_string()) invalid(where, "\"cniVersion\" must be a string");
    single = list["cniVersion"].get<std::string>();
  }
  if (!list.contains("cniVersions")) {
    if (single.empty()) return kImplicitVersion;
    if (!is_supported_version(single))
      throw Error(kIncompatibleVersion, "network configuration list" + (where.empty() ? "" : " " + where) +
                                            " has unsupported cniVersion \"" + single + "\"");
    return single;
  }
  const auto& many = list["cniVersions"];
  if (!many.is_array()) invalid(where, "\"cniVersions\" must be a list of strings");
  auto current = *Version::parse(kCurrentVersion);
  std::optional<Version> best;
  std::string best_text;
  auto consider = [&](const std::string& v) {
    auto parsed = Version::parse(v);
    if (!parsed) invalid(where, "invalid cniVersions entry \"" + v + "\"");
    if (*parsed > current || !is_supported_version(v)) return;
    if (!best || *parsed > *best) best = parsed, best_text = v;
  };
  for (const auto& e : many) {
    if (!e.is_string()) invalid(where, "\"cniVersions\" entries must be strings");
    consider(e.get<std::string>());
  }
  if (!single.empty()) consider(single);
  if (!best)
    throw Error(kIncompatibleVersion, "network configuration list" + (where.empty() ? "" : " " + where) +
                                          " names no cniVersion this runtime supports",
                "supported: 0.1.0 .. " + std::string(kCurrentVersion));
  return best_text;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error("failed to read " + path, errno);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ConfFiles: regular (non-directory) entries of `dir` with one of the extensions,
// sorted. A missing directory is simply empty.
std::vector<std::string> conf_files(const std::string& dir, const std::vector<std::string>& exts) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    throw io_error("failed to read config directory " + dir, errno);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, closedir);
  while (auto* e = readdir(d)) {
    std::string n = e->d_name;
    std::string path = dir + "/" + n;
    struct stat st;
    if (n == "." || n == ".." || stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    auto dot = n.rfind('.');
    if (dot == std::string::npos) continue;
    if (std::find(exts.begin(), exts.end(), n.substr(dot)) != exts.end()) out.push_back(path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

NetConfList load_list_file(const std::string& path) {
  auto list = NetConfList::from_bytes(read_whole(path), path, false);
  if (!list.load_only_inlined_plugins) {
    std::string sibling = path.substr(0, path.rfind('/')) + "/" + list.name;
    for (const auto& f : conf_files(sibling, {".conf"})) {
      auto j = parse_json(read_whole(f), f);
      list.plugins.push_back(PluginConf::from_json(j, "in " + f));
    }
  }
  if (list.plugins.empty()) invalid("in " + path, "no plugins in list");
  return list;
}

}  // namespace

PluginConf PluginConf::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) invalid(where, "a plugin entry must be a JSON object");
  PluginConf p;
  p.raw = j;
  p.type = get_string(j, "type");
  if (p.type.empty()) invalid(where, "a plugin entry has no \"type\"");
  if (p.type.find('/') != std::string::npos) invalid(where, "plugin type \"" + p.type + "\" must not contain '/'");
  if (j.contains("capabilities")) {
    const auto& caps = j["capabilities"];
    if (!caps.is_object()) invalid(where, "\"capabilities\" of plugin " + p.type + " must be an object of bools");
    for (const auto& [k, v] : caps.items()) {
      if (!v.is_boolean()) invalid(where, "capability \"" + k + "\" of plugin " + p.type + " must be a bool");
      p.capabilities[k] = v.get<bool>();
    }
  }
  return p;
}

NetConfList NetConfList::from_bytes(std::string_view bytes, const std::string& source, bool require_plugins) {
  std::string where = source.empty() ? "" : "in " + source;
  auto j = parse_json(bytes, source.empty() ? "network configuration list" : source);
  if (!j.is_object()) throw Error(kDecodingFailure, "network configuration list " + where + " is not a JSON object");
  NetConfList list;
  list.bytes = std::string(bytes);
  list.source = source;
  if (!j.contains("name") || !j["name"].is_string()) invalid(where, "no \"name\" string");
  list.name = j["name"].get<std::string>();
  validate_network_name(list.name);
  list.cni_version = select_version(j, where);
  list.disable_check = read_bool(j, "disableCheck", where);
  list.disable_gc = read_bool(j, "disableGC", where);
  list.load_only_inlined_plugins = read_bool(j, "loadOnlyInlinedPlugins", where);
  if (!j.contains("plugins")) {
    if (require_plugins || list.load_only_inlined_plugins) invalid(where, "no \"plugins\" key");
    return list;
  }
  if (!j["plugins"].is_array()) invalid(where, "\"plugins\" must be a list");
  if (j["plugins"].empty()) invalid(where, "no plugins in list");
  int i = 0;
  for (const auto& p : j["plugins"])
    list.plugins.push_back(PluginConf::from_json(p, where + (where.empty() ? "" : " ") + "plugin " + std::to_string(i++)));
  return list;
}

NetConfList NetConfList::from_single_conf(std::string_view bytes, const std::string& source) {
  auto conf = parse_json(bytes, source.empty() ? "network configuration" : source);
  std::string where = source.empty() ? "" : "in " + source;
  PluginConf::from_json(conf, where);  // the same type/capabilities checks as a list entry
  nlohmann::json list = nlohmann::json::object();
  list["name"] = get_string(conf, "name");
  list["cniVersion"] = get_string(conf, "cniVersion");
  list["plugins"] = nlohmann::json::array({conf});
  auto out = from_bytes(list.dump(), source);
  return out;
}

std::vector<std::string> NetConfList::capabilities() const {
  std::set<std::string> caps;
  for (const auto& p : plugins)
    for (const auto& [k, on] : p.capabilities)
      if (on) caps.insert(k);
  return {caps.begin(), caps.end()};
}

NetConfList load_conf_list(const std::string& dir, const std::string& name) {
  auto lists = conf_files(dir, {".conflist"});
  for (const auto& f : lists) {
    auto l = load_list_file(f);
    if (l.name == name) return l;
  }
  auto singles = conf_files(dir, {".conf", ".json"});
  for (const auto& f : singles) {
    auto j = parse_json(read_whole(f), f);
    if (j.is_object() && j.contains("name") && j["name"].is_string() && j["name"].get<std::string>() == name)
      return NetConfList::from_single_conf(j.dump(), f);
  }
  if (lists.empty() && singles.empty())
    throw Error(kInvalidNetworkConfig, "no net configurations found in " + dir);
  throw Error(kInvalidNetworkConfig, "no net configuration with name \"" + name + "\" in " + dir);
}

ConfDirScan scan_conf_dir(const std::string& dir) {
  ConfDirScan scan;
  std::set<std::string> seen;
  for (const auto& f : conf_files(dir, {".conflist"})) {
    try {
      auto l = load_list_file(f);
      if (seen.insert(l.name).second) scan.lists.push_back(std::move(l));
    } catch (const Error& e) {
      scan.broken.emplace_back(f, e.msg());
    }
  }
  for (const auto& f : conf_files(dir, {".conf", ".json"})) {
    try {
      auto l = NetConfList::from_single_conf(read_whole(f), f);
      if (seen.insert(l.name).second) scan.lists.push_back(std::move(l));
    } catch (const Error& e) {
      scan.broken.emplace_back(f, e.msg());
    }
  }
  return scan;
}

}  // namespace cni
