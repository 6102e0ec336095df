#include "cni/delegate.hpp"

#include "cni/config.hpp"
#include "cni/error.hpp"
#include "cni/exec.hpp"

namespace cni {

namespace {

ExecResult run_delegate(const std::string& command, const std::string& type, std::string_view stdin_data,
                        const Env& env) {
  std::string path = find_in_path(type, env.path_dirs());
  auto result = exec_binary(path, {}, environ_with({{"CNI_COMMAND", command}}), stdin_data, false);
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

}  // namespace cni
