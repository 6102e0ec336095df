#include "cni/delegate.hpp"

#include <map>

#include "cni/config.hpp"
#include "cni/error.hpp"
#include "cni/exec.hpp"
#include "cni/ident.hpp"

namespace cni {

namespace {

std::map<std::string, Callbacks>& builtins() {
  static std::map<std::string, Callbacks> registry;
  return registry;
}

// The delegate's exit code and stdout, from the built-in code when CNI_PATH's binary is
// ours from this build, else from exec'ing it.
ExecResult invoke(const std::string& command, const std::string& type, const std::string& path,
                  std::string_view stdin_data, const Env& env) {
  auto it = builtins().find(type);
  if (it != builtins().end() && read_ident(path) == ident_of(type)) {
    Env delegate_env = env;
    delegate_env.command = command;
    ExecResult r;
    r.exit_code = run_command(it->second, delegate_env, std::string(stdin_data), r.out);
    return r;
  }
  return exec_binary(path, {}, environ_with({{"CNI_COMMAND", command}}), stdin_data, false);
}

ExecResult run_delegate(const std::string& command, const std::string& type, std::string_view stdin_data,
                        const Env& env) {
  std::string path = find_in_path(type, env.path_dirs());
  auto result = invoke(command, type, path, stdin_data, env);
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

Result delegate_add(const std::string& type, std::string_view stdin_data, const Env& env) {
  auto r = run_delegate("ADD", type, stdin_data, env);
  try {
    return Result::from_json(parse_json(r.out, "result from " + type));
  } catch (const Error& e) {
    throw Error(kDecodingFailure, "invalid result from IPAM plugin " + type + ": " + e.msg(), r.out);
  }
}

void delegate_run(const std::string& command, const std::string& type, std::string_view stdin_data, const Env& env) {
  run_delegate(command, type, stdin_data, env);
}

void register_builtin(const std::string& type, Callbacks callbacks) { builtins()[type] = std::move(callbacks); }

}  // namespace cni
