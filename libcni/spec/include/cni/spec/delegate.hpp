// IPAM delegation: run the `ipam.type` plugin from CNI_PATH with our own environment
// (only CNI_COMMAND replaced) and the whole config on stdin, as invoke.DelegateAdd does.
#pragma once

#include <string>
#include <string_view>

#include "cni/spec/env.hpp"
#include "cni/spec/result.hpp"
#include "cni/spec/skel.hpp"

namespace cni {

// The environment an exec'd delegate gets: ours with CNI_COMMAND replaced (what the
// reference's invoke package does), or only the CNI variables of `env` and PATH (what
// Mesos's port mapper gives its delegate, and so what Mesos configs were written against).
enum class DelegateEnv { inherit, cni_only };

// ADD: returns the delegate's result. A delegate error is rethrown unchanged (same code,
// msg and details); a delegate that prints garbage is Error(kDecodingFailure).
Result delegate_add(const std::string& type, std::string_view stdin_data, const Env& env,
                    DelegateEnv mode = DelegateEnv::inherit);
// DEL, CHECK, STATUS, GC: success or the delegate's error, unchanged.
void delegate_run(const std::string& command, const std::string& type, std::string_view stdin_data, const Env& env,
                  DelegateEnv mode = DelegateEnv::inherit);

// In-process delegation. A plugin that links an IPAM plugin's code registers it under its
// type. When CNI_PATH resolves that type to a binary of this very build (same ident line,
// cni/base/ident.hpp), the command runs through the skeleton in this process: same validation,
// same output, same errors, one exec fewer. Any other binary of that name (the reference's,
// another cnipp version, a wrapper script) is exec'd as usual.
void register_builtin(const std::string& type, Callbacks callbacks);

}  // namespace cni
