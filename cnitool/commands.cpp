#include "commands.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cni/spec/config.hpp"
#include "cni/base/encoding.hpp"
#include "cni/runtime/netconf_list.hpp"

namespace cnitool {

namespace {

const char* code_name(int code) {
  switch (code) {
    case cni::kIncompatibleVersion: return "incompatible CNI version";
    case cni::kUnsupportedField: return "unsupported field";
    case cni::kUnknownContainer: return "container unknown";
    case cni::kInvalidEnvironment: return "invalid environment variables";
    case cni::kIoFailure: return "I/O failure";
    case cni::kDecodingFailure: return "failed to decode content";
    case cni::kInvalidNetworkConfig: return "invalid network config";
    case cni::kInvalidNetns: return "invalid network namespace";
    case cni::kTryAgainLater: return "try again later";
    case cni::kPluginNotAvailable: return "plugin not available";
    case cni::kPluginNotAvailableLimitedConnectivity: return "plugin not available, limited connectivity";
    case cni::kInternal: return "internal error";
    default: return code >= 100 ? "plugin-specific error" : "error";
  }
}

cni::RuntimeConf runtime_conf(const Options& o, const std::string& netns_arg) {
  cni::RuntimeConf rt;
  rt.netns = absolute_path(netns_arg);
  rt.container_id = container_id_for(rt.netns);
  rt.ifname = o.ifname;
  if (const char* a = std::getenv("CNI_ARGS"); a && *a) rt.args = parse_cni_args(a);
  if (const char* c = std::getenv("CAP_ARGS"); c && *c) {
    rt.capability_args = cni::parse_json(c, "CAP_ARGS");
    if (!rt.capability_args.is_object())
      throw cni::Error(cni::kInvalidEnvironment, "CAP_ARGS must be a JSON object of capability arguments");
  }
  return rt;
}

cni::Runtime make_runtime(const Options& o) { return cni::Runtime(o.plugin_dirs, o.cache_dir); }

nlohmann::json error_json(const cni::Error& e) {
  nlohmann::json j = e.to_json();
  if (auto* re = dynamic_cast<const cni::RuntimeError*>(&e)) {
    j["plugin"] = re->plugin_type();
    j["verb"] = re->verb();
  }
  return j;
}

}  // namespace

std::string container_id_for(const std::string& abs_netns) {
  return "cnitool-" + cni::sha512_hex(abs_netns).substr(0, 20);
}

std::string absolute_path(const std::string& path) {
  std::string full = path;
  if (full.empty() || full[0] != '/') {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) throw cni::io_error("failed to get the working directory", errno);
    full = std::string(cwd) + "/" + path;
  }
  // Go's filepath.Clean: drop empty and "." parts, resolve ".." lexically.
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= full.size()) {
    size_t end = full.find('/', start);
    if (end == std::string::npos) end = full.size();
    std::string part = full.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::vector<std::pair<std::string, std::string>> parse_cni_args(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    std::string pair = text.substr(start, end - start);
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size() || pair.find('=', eq + 1) != std::string::npos)
      throw cni::Error(cni::kInvalidEnvironment, "invalid CNI_ARGS pair \"" + pair + "\"");
    out.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

int report_error(const Options& o, const cni::Error& e, const std::string& verb) {
  if (auto* re = dynamic_cast<const cni::RuntimeError*>(&e)) {
    std::cerr << "cnitool " << verb << ": plugin \"" << re->plugin_type() << "\" failed (" << re->verb()
              << ") with error code " << e.code() << " (" << code_name(e.code()) << ")\n";
  } else {
    std::cerr << "cnitool " << verb << ": error code " << e.code() << " (" << code_name(e.code()) << ")\n";
  }
  std::cerr << "  message: " << e.msg() << "\n";
  if (!e.details().empty()) std::cerr << "  details: " << e.details() << "\n";
  if (o.json) std::cout << error_json(e).dump(4) << "\n";
  return 1;
}

int run_attachment_verb(const Options& o, const std::string& verb, const std::string& net, const std::string& netns) {
  auto list = cni::load_conf_list(o.netconf_dir, net);
  auto rt = runtime_conf(o, netns);
  auto runtime = make_runtime(o);
  if (verb == "add") {
    // As the reference's result.Print(): indented JSON on stdout.
    std::cout << runtime.add(list, rt).dump(4) << "\n";
  } else if (verb == "check") {
    runtime.check(list, rt);
  } else {
    runtime.del(list, rt);
  }
  return 0;
}

int run_gc(const Options& o, const std::string& net, const std::vector<std::string>& valid) {
  auto list = cni::load_conf_list(o.netconf_dir, net);
  std::vector<cni::GcAttachment> keep;
  for (const auto& v : valid) {
    auto colon = v.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
      throw cni::Error(cni::kInvalidEnvironment, "--valid takes CONTAINERID:IFNAME, got \"" + v + "\"");
    keep.push_back({v.substr(0, colon), v.substr(colon + 1)});
  }
  auto errors = make_runtime(o).gc(list, keep);
  if (errors.empty()) return 0;
  auto all = nlohmann::json::array();
  for (const auto& e : errors) {
    std::cerr << "cnitool gc: " << (e.plugin_type().empty() ? "" : "plugin \"" + e.plugin_type() + "\" ")
              << "failed (" << e.verb() << ") with error code " << e.code() << " (" << code_name(e.code())
              << "): " << e.msg() << (e.details().empty() ? "" : " [" + e.details() + "]") << "\n";
    all.push_back(error_json(e));
  }
  if (o.json) std::cout << all.dump(4) << "\n";
  return 1;
}

int run_status(const Options& o, const std::string& net) {
  auto list = cni::load_conf_list(o.netconf_dir, net);
  make_runtime(o).status(list);
  if (o.json) std::cout << nlohmann::json{{"network", list.name}, {"ready", true}}.dump(4) << "\n";
  return 0;
}

int run_list(const Options& o) {
  auto scan = cni::scan_conf_dir(o.netconf_dir);
  auto runtime = make_runtime(o);
  auto out = nlohmann::ordered_json::array();
  for (const auto& list : scan.lists) {
    nlohmann::ordered_json n;
    n["name"] = list.name;
    n["file"] = list.source;
    n["cniVersion"] = list.cni_version;
    n["plugins"] = nlohmann::ordered_json::array();
    if (!o.json) std::cout << list.name << "  (" << list.source << ", cniVersion " << list.cni_version << ")\n";
    for (const auto& pv : runtime.versions(list)) {
      nlohmann::ordered_json p;
      p["type"] = pv.type;
      p["path"] = pv.path;
      p["supportedVersions"] = pv.supported;
      p["supportsListVersion"] = !pv.error && pv.supports(list.cni_version);
      if (pv.error) p["error"] = pv.error->to_json();
      n["plugins"].push_back(p);
      if (o.json) continue;
      std::cout << "  " << pv.type << ": ";
      if (pv.error) {
        std::cout << "ERROR " << pv.error->msg() << "\n";
        continue;
      }
      std::cout << pv.path << " supports";
      for (const auto& v : pv.supported) std::cout << " " << v;
      std::cout << (pv.supports(list.cni_version) ? "" : "  (does NOT support the list's version)") << "\n";
    }
    out.push_back(n);
  }
  for (const auto& [file, err] : scan.broken)
    std::cerr << "cnitool list: skipped " << file << ": " << err << "\n";
  if (o.json) {
    nlohmann::ordered_json doc;
    doc["networks"] = out;
    doc["broken"] = nlohmann::ordered_json::array();
    for (const auto& [file, err] : scan.broken) doc["broken"].push_back({{"file", file}, {"error", err}});
    std::cout << doc.dump(4) << "\n";
  }
  return 0;
}

}  // namespace cnitool
