// Test harness: temp directories, throw-away network namespaces, and running a CNI
// plugin binary exactly as a runtime does (environment + stdin, stdout JSON, exit code).
// Everything it creates carries a unique name and is removed by a destructor, so a
// failing test still cleans up.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/base/error.hpp"
#include "shell.hpp"  // sh, unique_name, read_file

namespace test {

using Env = std::map<std::string, std::string>;

// Path of one of our built binaries, e.g. ours("bridge").
std::string ours(const std::string& name);
// Path of one of Debian's reference plugins, e.g. reference("host-local").
std::string reference(const std::string& name);
std::string bin_dir();  // our build/bin (or $CNIPP_TEST_BIN_DIR), usable as CNI_PATH
// Whether the binaries under test are built with ASan+UBSan (this build, or the ASan build's
// binaries named by $CNIPP_TEST_BIN_DIR with CNIPP_TEST_SANITIZED=1): slower, so tests
// that repeat a plugin hundreds of times do fewer rounds.
bool sanitized();

struct TempDir {
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
  std::string operator/(const std::string& rel) const { return path + "/" + rel; }
};

// A named namespace under /var/run/netns, created with `ip netns add` and deleted on scope exit.
struct TestNetns {
  explicit TestNetns(const std::string& prefix = "cn");
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;
  std::string name;
  std::string path() const { return "/var/run/netns/" + name; }
  // Runs a shell command inside the namespace (ip netns exec) and returns its stdout.
  std::string exec(const std::string& cmd, int* rc = nullptr) const;
};

struct RunResult {
  int rc = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const;  // stdout parsed; FAILs the test when it is not JSON
};

// Runs `binary` with exactly `env` as its environment and `stdin_data` on stdin.
RunResult run(const std::string& binary, const Env& env, const std::string& stdin_data,
              const std::vector<std::string>& args = {});

// Builds the CNI environment for one call. CNI_PATH defaults to our bin dir.
Env cni_env(const std::string& command, const std::string& container_id, const std::string& netns,
            const std::string& ifname = "eth0", const std::string& cni_path = "");

// Lists the regular files of a directory (names only, sorted); empty when missing.
std::vector<std::string> list_dir(const std::string& dir);
void write_file(const std::string& path, const std::string& content);

// The cni::Error `f` throws; nullopt when it throws none.
std::optional<cni::Error> error_of(const std::function<void()>& f);
// Its code, 0 when it throws none.
int error_code(const std::function<void()>& f);
// Its message (its code in *code), "" when it throws none.
std::string error_message(const std::function<void()>& f, int* code = nullptr);

// Writes to `dst` (mode 0755) a copy of our binary `name` whose ".cnipp.ident" line differs
// by one byte: what another cnipp build's binary of that name looks like to us.
void copy_as_other_build(const std::string& name, const std::string& dst);

}  // namespace test
