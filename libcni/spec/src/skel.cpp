#include "cni/spec/skel.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "cni/base/error.hpp"
#include "cni/spec/version.hpp"

namespace cni {

std::string read_stdin() {
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("error reading from stdin", errno);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > kMaxConfigBytes) break;
  }
  return data;
}

void write_stdout(const std::string& text) {
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = write(1, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

namespace {

std::string versions_list() {
  std::string s;
  for (const auto& v : supported_versions()) s += (s.empty() ? "" : ", ") + v;
  return s;
}

// The reference added error code 8 after plugins were run against the host netns by
// mistake (plugins#714). We check before doing anything, not after.
void check_not_own_netns(const Env& env) {
  if (env.netns.empty() || env.netns_override) return;
  struct stat target, self;
  // The calling thread's namespace, not the process's: an in-process delegate can run on a
  // worker thread while the main thread is inside the container (bridge's DEL does).
  if (stat(env.netns.c_str(), &target) != 0 || stat("/proc/thread-self/ns/net", &self) != 0) return;
  if (target.st_dev == self.st_dev && target.st_ino == self.st_ino)
    throw Error(kInvalidNetns, "netns \"" + env.netns + "\" is the plugin's own network namespace",
                "refusing to configure the host network; set CNI_NETNS_OVERRIDE=1 if this is intended");
}

void require_version(const NetConf& conf, const char* verb, const char* min) {
  if (!version_at_least(conf.cni_version, min))
    throw Error(kIncompatibleVersion, std::string("config version does not allow ") + verb,
                "config is \"" + conf.cni_version + "\", " + verb + " needs " + min + " or newer");
}

std::string version_reply(const std::string& stdin_data) {
  std::string version = kCurrentVersion;
  try {
    auto j = nlohmann::json::parse(stdin_data);
    if (j.is_object() && j.contains("cniVersion") && j["cniVersion"].is_string() &&
        is_supported_version(j["cniVersion"].get<std::string>()))
      version = j["cniVersion"].get<std::string>();
  } catch (const std::exception&) {
    // VERSION needs no config; an empty or odd stdin still gets the full answer.
  }
  nlohmann::ordered_json j;
  j["cniVersion"] = version;
  j["supportedVersions"] = supported_versions();
  return j.dump() + "\n";
}

}  // namespace

std::vector<AttachmentId> valid_attachments(const NetConf& conf) {
  std::vector<AttachmentId> out;
  const char* key = conf.raw.contains("cni.dev/valid-attachments") ? "cni.dev/valid-attachments"
                                                                   : "cni.dev/attachments";
  if (!conf.raw.contains(key) || conf.raw[key].is_null()) return out;
  const auto& list = conf.raw[key];
  if (!list.is_array()) throw Error(kInvalidNetworkConfig, std::string("\"") + key + "\" must be a list");
  for (const auto& a : list) {
    if (!a.is_object()) throw Error(kInvalidNetworkConfig, std::string("\"") + key + "\" entries must be objects");
    out.push_back({get_string(a, "containerID"), get_string(a, "ifname")});
  }
  return out;
}

namespace {
// Messages and results can carry bytes from the environment or from files (CNI_ARGS,
// resolv.conf) that are not UTF-8; nlohmann's dump() throws on those, which would end the
// plugin with no reply. Go's encoder substitutes U+FFFD, and so do we.
template <class Json>
std::string to_text(const Json& j) {
  return j.dump(4, ' ', false, Json::error_handler_t::replace) + "\n";
}
}  // namespace

int run_command(const Callbacks& cb, const Env& env, std::string stdin_data, std::string& out) {
  std::string version_for_errors;
  try {
    check_required_env(env);
    if (env.command == "VERSION") {
      out = version_reply(stdin_data);
      return 0;
    }
    CmdArgs args{env, std::move(stdin_data), {}};
    args.conf = NetConf::parse(args.stdin_data);
    version_for_errors = args.conf.cni_version;
    validate_network_name(args.conf.name);

    const std::string& cmd = env.command;
    const bool per_attachment = cmd == "ADD" || cmd == "DEL" || cmd == "CHECK";
    if (per_attachment) {
      validate_container_id(env.container_id);
      validate_ifname(env.ifname);
    }
    if (!is_supported_version(args.conf.cni_version))
      throw Error(kIncompatibleVersion, "incompatible CNI versions",
                  "config is \"" + args.conf.cni_version + "\", plugin supports [" + versions_list() + "]");
    if (per_attachment) check_not_own_netns(env);

    if (cmd == "ADD") {
      Result r = cb.add(args);
      out = to_text(r.to_json(args.conf.cni_version));
    } else if (cmd == "DEL") {
      cb.del(args);
    } else if (cmd == "CHECK") {
      require_version(args.conf, "CHECK", "0.4.0");
      cb.check(args);
    } else if (cmd == "STATUS") {
      require_version(args.conf, "STATUS", "1.1.0");
      if (cb.status) cb.status(args);
    } else if (cmd == "GC") {
      require_version(args.conf, "GC", "1.1.0");
      if (cb.gc) cb.gc(args);
    } else {
      throw Error(kInvalidEnvironment, "unknown CNI_COMMAND: " + cmd);
    }
    return 0;
  } catch (const Error& e) {
    out = to_text(e.to_json(version_for_errors));
  } catch (const std::bad_alloc&) {
    out = to_text(Error(kInternal, "out of memory").to_json(version_for_errors));
  } catch (const std::exception& e) {
    out = to_text(Error(kInternal, e.what()).to_json(version_for_errors));
  }
  return 1;
}

int plugin_main(const PluginInfo& info, const Callbacks& cb) {
  Env env = Env::from_environ();
  if (env.command.empty()) {
    // stdio, not iostream: <iostream>'s static initialiser would run on every plugin start.
    std::fprintf(stderr, "CNI %s plugin %s (cnipp)\nCNI protocol versions supported: %s\n", info.name.c_str(),
                 CNIPP_VERSION, versions_list().c_str());
    if (!info.description.empty()) std::fprintf(stderr, "%s\n", info.description.c_str());
    return 0;
  }
  std::string stdin_data, out;
  int rc = 0;
  try {
    // The environment is checked before stdin is read, as the reference skeleton does.
    check_required_env(env);
    stdin_data = read_stdin();
  } catch (const Error& e) {
    out = to_text(e.to_json(""));
    rc = 1;
  } catch (const std::exception& e) {  // bad_alloc while reading a huge stdin
    out = to_text(Error(kInternal, e.what()).to_json(""));
    rc = 1;
  }
  if (rc == 0) rc = run_command(cb, env, std::move(stdin_data), out);
  write_stdout(out);
  return rc;
}

}  // namespace cni
