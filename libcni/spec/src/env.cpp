#include "cni/spec/env.hpp"

#include <cctype>
#include <cstdlib>

#include "cni/base/error.hpp"

namespace cni {

namespace {
std::string getenv_str(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}
}  // namespace

Env Env::from_environ() {
  Env e;
  e.command = getenv_str("CNI_COMMAND");
  e.container_id = getenv_str("CNI_CONTAINERID");
  e.netns = getenv_str("CNI_NETNS");
  e.ifname = getenv_str("CNI_IFNAME");
  e.args = getenv_str("CNI_ARGS");
  e.path = getenv_str("CNI_PATH");
  auto o = getenv_str("CNI_NETNS_OVERRIDE");
  e.netns_override = o == "1" || o == "true";
  return e;
}

std::vector<std::string> Env::path_dirs() const {
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) dirs.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return dirs;
}

void check_required_env(const Env& env) {
  struct Var {
    const char* name;
    const std::string Env::*field;
    std::set<std::string> verbs;
  };
  // The reference skeleton's table (pkg/skel/skel.go getCmdArgsFromEnv).
  static const Var vars[] = {
      {"CNI_COMMAND", &Env::command, {"ADD", "CHECK", "DEL", "GC", "STATUS", "VERSION"}},
      {"CNI_CONTAINERID", &Env::container_id, {"ADD", "CHECK", "DEL"}},
      {"CNI_NETNS", &Env::netns, {"ADD", "CHECK"}},
      {"CNI_IFNAME", &Env::ifname, {"ADD", "CHECK", "DEL"}},
      {"CNI_ARGS", &Env::args, {}},
      {"CNI_PATH", &Env::path, {"ADD", "CHECK", "DEL", "GC", "STATUS"}},
  };
  std::string missing;
  for (const auto& v : vars) {
    if (v.verbs.count(env.command) && (env.*(v.field)).empty()) {
      if (!missing.empty()) missing += ",";
      missing += v.name;
    }
  }
  if (!missing.empty()) throw Error(kInvalidEnvironment, "required env variables [" + missing + "] missing");
}

void validate_container_id(const std::string& id) {
  if (id.empty()) throw Error(kUnknownContainer, "missing containerID");
  auto ok_first = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  bool ok = ok_first(id[0]);
  for (char c : id) ok = ok && (ok_first(c) || c == '_' || c == '.' || c == '-');
  if (!ok)
    throw Error(kInvalidEnvironment, "invalid characters in containerID",
                "container ID must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
}

void validate_ifname(const std::string& ifname) {
  if (ifname.empty()) throw Error(kInvalidEnvironment, "interface name is empty");
  if (ifname.size() > 15)
    throw Error(kInvalidEnvironment, "interface name is too long", "interface name should be less than 16 characters");
  if (ifname == "." || ifname == "..")
    throw Error(kInvalidEnvironment, "interface name is . or ..");
  for (char c : ifname) {
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) || c == '\0')
      throw Error(kInvalidEnvironment, "interface name contains / or : or whitespace characters");
  }
}

CniArgs CniArgs::parse(std::string_view text, const std::set<std::string>& known) {
  CniArgs out;
  if (text.empty()) return out;
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    auto item = text.substr(start, end - start);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || item.find('=', eq + 1) != std::string_view::npos)
      throw Error(kInvalidEnvironment, "ARGS: invalid pair \"" + std::string(item) + "\"");
    pairs.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    start = end + 1;
  }
  bool ignore_unknown = false;
  for (const auto& [k, v] : pairs)
    if (k == "IgnoreUnknown") {
      if (v == "1" || v == "true" || v == "True" || v == "TRUE") ignore_unknown = true;
      else if (!(v == "0" || v == "false" || v == "False" || v == "FALSE"))
        throw Error(kInvalidEnvironment, "ARGS: invalid IgnoreUnknown value \"" + v + "\"");
    }
  std::string unknown;
  for (const auto& [k, v] : pairs) {
    if (k == "IgnoreUnknown") continue;
    if (known.count(k)) {
      out.values_[k] = v;
    } else if (!ignore_unknown) {
      unknown += (unknown.empty() ? "\"" : " \"") + k + "=" + v + "\"";
    }
  }
  if (!unknown.empty()) throw Error(kInvalidEnvironment, "ARGS: unknown args [" + unknown + "]");
  return out;
}

std::optional<std::string> CniArgs::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace cni
