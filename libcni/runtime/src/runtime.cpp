#include "cni/runtime/runtime.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "cni/spec/config.hpp"
#include "cni/spec/env.hpp"
#include "cni/base/exec.hpp"
#include "cni/base/ident.hpp"
#include "cni/spec/result.hpp"
#include "cni/spec/version.hpp"

namespace cni {

namespace {

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// libcni RawExec.pluginErr: the plugin's error JSON on stdout is the error; with nothing on
// stdout its stderr text is; anything else is wrapped so the operator sees it.
Error plugin_failure(const ExecResult& r) {
  std::string why = "exit status " + std::to_string(r.exit_code);
  if (r.out.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (r.err.empty()) return Error(kInternal, "netplugin failed with no error message: " + why);
    return Error(kInternal, "netplugin failed: \"" + r.err + "\"");
  }
  try {
    auto j = parse_json(r.out, "plugin error");
    if (j.is_object() && j.contains("code")) return Error::from_json(j);
  } catch (const Error&) {
  }
  return Error(kInternal, "netplugin failed but its error output is not a CNI error (" + why + ")", r.out);
}

// The spec's JSON for a GC attachment list (types.GCAttachment field names).
nlohmann::json attachments_json(const std::vector<GcAttachment>& valid) {
  auto arr = nlohmann::json::array();
  for (const auto& a : valid) arr.push_back({{"containerID", a.container_id}, {"ifname", a.ifname}});
  return arr;
}

}  // namespace

std::string RuntimeError::describe() const {
  return "plugin type=\"" + plugin_type_ + "\" failed (" + lower(verb_) + "): " + msg();
}

bool PluginVersion::supports(const std::string& v) const {
  return std::find(supported.begin(), supported.end(), v) != supported.end();
}

nlohmann::json build_plugin_config(const NetConfList& list, const PluginConf& plugin,
                                   const nlohmann::json* prev_result, const nlohmann::json& capability_args) {
  nlohmann::json conf = plugin.raw;
  conf["name"] = list.name;
  conf["cniVersion"] = list.cni_version;
  if (prev_result) conf["prevResult"] = *prev_result;
  nlohmann::json rc = nlohmann::json::object();
  for (const auto& [cap, on] : plugin.capabilities)
    if (on && capability_args.is_object() && capability_args.contains(cap)) rc[cap] = capability_args[cap];
  if (!rc.empty()) conf["runtimeConfig"] = rc;
  return conf;
}

Runtime::Runtime(std::vector<std::string> plugin_dirs, std::string cache_dir)
    : dirs_(std::move(plugin_dirs)), cache_(cache_dir.empty() ? kDefaultCacheDir : std::move(cache_dir)) {}

std::string Runtime::run_plugin(const std::string& verb, const PluginConf& plugin, const nlohmann::json& conf,
                                const RuntimeConf& rt) const {
  std::string path;
  try {
    path = find_in_path(plugin.type, dirs_);
  } catch (const Error& e) {
    throw RuntimeError(plugin.type, verb, e);
  }
  std::vector<std::string> args;
  for (const auto& [k, v] : rt.args) args.push_back(k + "=" + v);
  auto env = environ_with({{"CNI_COMMAND", verb},
                           {"CNI_CONTAINERID", rt.container_id},
                           {"CNI_NETNS", rt.netns},
                           {"CNI_ARGS", join(args, ";")},
                           {"CNI_IFNAME", rt.ifname},
                           {"CNI_PATH", join(dirs_, ":")}});
  ExecResult r;
  try {
    r = exec_binary(path, {}, env, conf.dump(), true);
  } catch (const Error& e) {
    throw RuntimeError(plugin.type, verb, e);
  }
  // Plugins log to stderr; like libcni we pass it on rather than swallow it.
  if (!r.err.empty()) std::fwrite(r.err.data(), 1, r.err.size(), stderr);
  if (r.exit_code != 0) throw RuntimeError(plugin.type, verb, plugin_failure(r));
  return r.out;
}

nlohmann::ordered_json Runtime::add(const NetConfList& list, const RuntimeConf& rt) const {
  validate_container_id(rt.container_id);
  validate_network_name(list.name);
  validate_ifname(rt.ifname);
  std::optional<nlohmann::json> prev;
  nlohmann::ordered_json final_result;
  for (const auto& plugin : list.plugins) {
    auto conf = build_plugin_config(list, plugin, prev ? &*prev : nullptr, rt.capability_args);
    std::string out = run_plugin("ADD", plugin, conf, rt);
    try {
      auto j = parse_json(out, "result of plugin " + plugin.type);
      // fixupResultVersion (cni#895): a result without a version is in the config's version.
      if (j.is_object() && (!j.contains("cniVersion") || j["cniVersion"] == "")) j["cniVersion"] = list.cni_version;
      auto converted = Result::from_json(j).to_json(list.cni_version);
      prev = nlohmann::json::parse(converted.dump());
      final_result = std::move(converted);
    } catch (const Error& e) {
      throw RuntimeError(plugin.type, "ADD", Error(e.code(), "invalid result: " + e.msg(), out));
    }
  }
  CacheEntry entry;
  entry.container_id = rt.container_id;
  entry.config = list.bytes;
  entry.ifname = rt.ifname;
  entry.network_name = list.name;
  entry.netns = rt.netns;
  entry.cni_args = rt.args;
  entry.capability_args = rt.capability_args;
  entry.result = *prev;
  try {
    cache_.write(entry);
  } catch (const Error& e) {
    throw e.prefixed("failed to set network \"" + list.name + "\" cached result");
  }
  return final_result;
}

std::optional<nlohmann::json> Runtime::cached_result(const NetConfList& list, const RuntimeConf& rt) const {
  auto entry = cache_.read(list.name, rt.container_id, rt.ifname);
  if (!entry || entry->result.is_null()) return std::nullopt;
  // Converted to the list's version: the config may have changed since ADD.
  auto converted = Result::from_json(entry->result).to_json(list.cni_version);
  return nlohmann::json::parse(converted.dump());
}

void Runtime::check(const NetConfList& list, const RuntimeConf& rt) const {
  if (!version_at_least(list.cni_version, "0.4.0"))
    throw Error(kIncompatibleVersion,
                "configuration version \"" + list.cni_version + "\" does not support the CHECK command");
  if (list.disable_check) return;
  std::optional<nlohmann::json> cached;
  try {
    cached = cached_result(list, rt);
  } catch (const Error& e) {
    throw e.prefixed("failed to get network \"" + list.name + "\" cached result");
  }
  if (!cached)
    throw Error(kUnknownContainer, "no cached result for network \"" + list.name + "\", container \"" +
                                       rt.container_id + "\", interface \"" + rt.ifname + "\"",
                "CHECK needs the result of a previous ADD in " + cache_.results_dir());
  for (const auto& plugin : list.plugins)
    run_plugin("CHECK", plugin, build_plugin_config(list, plugin, &*cached, rt.capability_args), rt);
}

void Runtime::del(const NetConfList& list, const RuntimeConf& rt) const {
  std::optional<nlohmann::json> cached;
  if (version_at_least(list.cni_version, "0.4.0")) {
    try {
      cached = cached_result(list, rt);
    } catch (const Error& e) {
      // HEAD libcni: a cache file we cannot use must not block DEL forever.
      std::fprintf(stderr, "cnipp: ignoring unusable cached result for %s: %s\n", list.name.c_str(), e.what());
      cache_.remove(list.name, rt.container_id, rt.ifname);
    }
  }
  for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it)
    run_plugin("DEL", *it, build_plugin_config(list, *it, cached ? &*cached : nullptr, rt.capability_args), rt);
  cache_.remove(list.name, rt.container_id, rt.ifname);
}

std::vector<RuntimeError> Runtime::gc(const NetConfList& list, const std::vector<GcAttachment>& valid) const {
  std::vector<RuntimeError> errors;
  if (list.disable_gc) return errors;
  for (const auto& entry : cache_.list()) {
    if (entry.network_name != list.name) continue;
    bool keep = std::any_of(valid.begin(), valid.end(), [&](const GcAttachment& a) {
      return a.container_id == entry.container_id && a.ifname == entry.ifname;
    });
    if (keep) continue;
    // The cached netns and args, but the current config, as libcni does.
    RuntimeConf rt{entry.container_id, entry.netns, entry.ifname, entry.cni_args, entry.capability_args};
    try {
      del(list, rt);
    } catch (const RuntimeError& e) {
      errors.push_back(e);
    } catch (const Error& e) {
      errors.emplace_back("", "DEL", e.prefixed("failed to delete stale attachment " + entry.container_id + " " +
                                                 entry.ifname));
    }
  }
  if (!version_at_least(list.cni_version, "1.1.0")) return errors;
  for (const auto& plugin : list.plugins) {
    nlohmann::json conf = plugin.raw;
    conf["name"] = list.name;
    conf["cniVersion"] = list.cni_version;
    // Both keys: plugins built before cni PR #1103 read the old name.
    conf["cni.dev/valid-attachments"] = attachments_json(valid);
    conf["cni.dev/attachments"] = attachments_json(valid);
    try {
      run_plugin("GC", plugin, conf, RuntimeConf{});
    } catch (const RuntimeError& e) {
      errors.push_back(e);
    }
  }
  return errors;
}

void Runtime::status(const NetConfList& list) const {
  if (!version_at_least(list.cni_version, "1.1.0")) return;
  for (const auto& plugin : list.plugins) {
    nlohmann::json conf = plugin.raw;
    conf["name"] = list.name;
    conf["cniVersion"] = list.cni_version;
    run_plugin("STATUS", plugin, conf, RuntimeConf{});
  }
}

PluginVersion Runtime::probe_version(const std::string& type) const {
  PluginVersion pv;
  pv.type = type;
  try {
    pv.path = find_in_path(type, dirs_);
    // A binary of this very build answers with our own list: no need to run it.
    if (read_ident(pv.path) == ident_of(type)) {
      pv.supported = supported_versions();
      return pv;
    }
    // invoke.GetVersionInfo: dummy values for plugins built on an old skeleton.
    auto env = environ_with({{"CNI_COMMAND", "VERSION"},
                             {"CNI_CONTAINERID", ""},
                             {"CNI_NETNS", "dummy"},
                             {"CNI_ARGS", ""},
                             {"CNI_IFNAME", "dummy"},
                             {"CNI_PATH", "dummy"}});
    auto r = exec_binary(pv.path, {}, env, std::string("{\"cniVersion\":\"") + kCurrentVersion + "\"}", true);
    if (r.exit_code != 0) {
      Error e = plugin_failure(r);
      if (e.msg() == "unknown CNI_COMMAND: VERSION") {
        pv.supported = {"0.1.0"};
        return pv;
      }
      throw e;
    }
    auto j = parse_json(r.out, "VERSION answer of " + type);
    if (j.is_object() && j.contains("supportedVersions")) {
      pv.supported = get_string_list(j, "supportedVersions");
    } else if (j.is_object() && j.contains("cniVersion") && j["cniVersion"] == "0.2.0") {
      pv.supported = {"0.1.0", "0.2.0"};
    } else {
      throw Error(kDecodingFailure, "VERSION answer of " + type + " has no supportedVersions", r.out);
    }
  } catch (const Error& e) {
    pv.error = e;
  }
  return pv;
}

std::vector<PluginVersion> Runtime::versions(const NetConfList& list) const {
  std::vector<PluginVersion> out;
  for (const auto& p : list.plugins) out.push_back(probe_version(p.type));
  return out;
}

std::vector<std::string> Runtime::validate(const NetConfList& list) const {
  std::vector<std::string> problems;
  for (const auto& pv : versions(list)) {
    if (pv.error)
      problems.push_back(pv.type + ": " + pv.error->msg());
    else if (!pv.supports(list.cni_version))
      problems.push_back("plugin " + pv.type + " does not support config version \"" + list.cni_version +
                         "\" (supports " + join(pv.supported, ", ") + ")");
  }
  if (!problems.empty())
    throw Error(kIncompatibleVersion, "network \"" + list.name + "\" is not usable: " + join(problems, "; "));
  return list.capabilities();
}

}  // namespace cni
