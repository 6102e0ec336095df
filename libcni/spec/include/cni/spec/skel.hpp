// The plugin skeleton: reads the CNI environment and stdin, validates them in the
// reference skeleton's order, dispatches one verb, prints the result or the error.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cni/spec/config.hpp"
#include "cni/spec/env.hpp"
#include "cni/spec/result.hpp"

namespace cni {

struct CmdArgs {
  Env env;
  std::string stdin_data;
  NetConf conf;
};

// One (containerID, ifname) pair from GC's "cni.dev/valid-attachments".
struct AttachmentId {
  std::string container_id;
  std::string ifname;
  bool operator==(const AttachmentId&) const = default;
};
// Reads "cni.dev/valid-attachments" (or the pre-rename "cni.dev/attachments").
std::vector<AttachmentId> valid_attachments(const NetConf& conf);

struct PluginInfo {
  std::string name;         // e.g. "bridge"
  std::string description;  // one line for humans running the binary by hand
};

struct Callbacks {
  std::function<Result(const CmdArgs&)> add;
  std::function<void(const CmdArgs&)> del;
  std::function<void(const CmdArgs&)> check;
  std::function<void(const CmdArgs&)> status;  // optional: absent means "ready"
  std::function<void(const CmdArgs&)> gc;      // optional: absent means "nothing to collect"
};

// stdin, read whole but at most kMaxConfigBytes + 1 bytes, so a hostile 10 MB stdin costs
// bounded memory (parse_json then refuses it). Throws Error(kIoFailure).
std::string read_stdin();
// Writes all of `text` to stdout (EINTR retried; a closed stdout is not an error).
void write_stdout(const std::string& text);

// Runs the plugin; returns the process exit code.
int plugin_main(const PluginInfo& info, const Callbacks& cb);

// One command through the skeleton, without the process around it: validates `env` and
// `stdin_data` exactly as plugin_main does, dispatches, and leaves in `out` what the plugin
// would print (the result or the error JSON). Returns the exit code plugin_main would.
// In-process delegation (delegate.hpp) runs a built-in IPAM plugin through this.
int run_command(const Callbacks& cb, const Env& env, std::string stdin_data, std::string& out);

}  // namespace cni
