// Running another CNI plugin binary: finding it in CNI_PATH and exec'ing it with an
// environment and stdin, collecting stdout (and stderr when asked).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cni {

// invoke.FindInPath: the first regular file `dir/type` over `dirs` in order. A type that
// is empty or contains '/', or one found nowhere, is Error(kInvalidNetworkConfig): the
// operator has to fix the config or the plugin directory.
std::string find_in_path(const std::string& type, const std::vector<std::string>& dirs);

struct ExecResult {
  int exit_code = -1;  // 128+signal when killed
  std::string out;
  std::string err;  // only filled when capture_stderr
};

// Runs `path` with exactly `env` ("K=V" strings) and `input` on stdin. stderr is inherited
// unless capture_stderr. "Text file busy" (a binary being replaced) is retried briefly.
ExecResult exec_binary(const std::string& path, const std::vector<std::string>& argv_tail,
                       const std::vector<std::string>& env, std::string_view input, bool capture_stderr);

// The current process environment with some variables replaced or added.
std::vector<std::string> environ_with(const std::vector<std::pair<std::string, std::string>>& overrides);

}  // namespace cni
