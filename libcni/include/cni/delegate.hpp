// IPAM delegation: run the `ipam.type` plugin from CNI_PATH with our own environment
// (only CNI_COMMAND replaced) and the whole config on stdin, as invoke.DelegateAdd does.
#pragma once

#include <string>
#include <string_view>

#include "cni/env.hpp"
#include "cni/result.hpp"

namespace cni {

// ADD: returns the delegate's result. A delegate error is rethrown unchanged (same code,
// msg and details); a delegate that prints garbage is Error(kDecodingFailure).
Result delegate_add(const std::string& type, std::string_view stdin_data, const Env& env);
// DEL, CHECK, STATUS, GC: success or the delegate's error, unchanged.
void delegate_run(const std::string& command, const std::string& type, std::string_view stdin_data, const Env& env);

}  // namespace cni
