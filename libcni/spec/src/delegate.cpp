#include "cni/spec/delegate.hpp"

#include <cstdlib>
#include <map>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "cni/base/exec.hpp"
#include "cni/base/ident.hpp"

namespace cni {

namespace {

std::map<std::string, Callbacks>& builtins() {
  static std::map<std::string, Callbacks> registry;
  return registry;
}

std::vector<std::string> cni_only_environment(const std::string& command, const Env& env) {
  std::vector<std::string> out{"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + env.container_id,
                               "CNI_IFNAME=" + env.ifname, "CNI_PATH=" + env.path};
  if (!env.netns.empty()) out.push_back("CNI_NETNS=" + env.netns);
  if (!env.args.empty()) out.push_back("CNI_ARGS=" + env.args);
  const char* path = std::getenv("PATH");
  out.push_back(std::string("PATH=") + (path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  return out;
}

// The delegate's exit code and stdout, from the built-in code when CNI_PATH's binary is
// ours from this build, else from exec'ing it.
ExecResult invoke(const std::string& command, const std::string& type, const std::string& path,
                  std::string_view stdin_data, const Env& env, DelegateEnv mode) {
  auto it = builtins().find(type);
  if (it != builtins().end() && read_ident(path) == ident_of(type)) {
    Env delegate_env = env;
    delegate_env.command = command;
    ExecResult r;
    r.exit_code = run_command(it->second, delegate_env, std::string(stdin_data), r.out);
    return r;
  }
  auto environment =
      mode == DelegateEnv::cni_only ? cni_only_environment(command, env) : environ_with({{"CNI_COMMAND", command}});
  return exec_binary(path, {}, environment, stdin_data, false);
}

ExecResult run_delegate(const std::string& command, const std::string& type, std::string_view stdin_data,
                        const Env& env, DelegateEnv mode) {
  std::string path = find_in_path(type, env.path_dirs());
  auto result = invoke(command, type, path, stdin_data, env, mode);
  if (result.exit_code == 0) return result;
  // A failed plugin prints its error JSON on stdout; pass it on exactly.
  nlohmann::json j;
  try {
    j = parse_json(result.out, "error from " + type);
  } catch (const Error&) {
    throw Error(kInternal, "plugin " + type + " " + command + " failed with exit code " +
                               std::to_string(result.exit_code),
                result.out);
  }
  try {
    throw Error::from_json(j);
  } catch (const Error& e) {
    if (e.code() == kDecodingFailure && !j.contains("code"))
      throw Error(kInternal, "plugin " + type + " failed with exit code " + std::to_string(result.exit_code),
                  result.out);
    throw;
  }
}

}  // namespace

Result delegate_add(const std::string& type, std::string_view stdin_data, const Env& env, DelegateEnv mode) {
  auto r = run_delegate("ADD", type, stdin_data, env, mode);
  try {
    return Result::from_json(parse_json(r.out, "result from " + type));
  } catch (const Error& e) {
    throw Error(kDecodingFailure, "invalid result from delegate plugin " + type + ": " + e.msg(), r.out);
  }
}

void delegate_run(const std::string& command, const std::string& type, std::string_view stdin_data, const Env& env,
                  DelegateEnv mode) {
  run_delegate(command, type, stdin_data, env, mode);
}

void register_builtin(const std::string& type, Callbacks callbacks) { builtins()[type] = std::move(callbacks); }

}  // namespace cni
