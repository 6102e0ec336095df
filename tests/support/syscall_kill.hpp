// Crash injection without hooks in the plugins: run a plugin under ptrace and SIGKILL it,
// together with every process it started (its IPAM plugin), when the n-th system call
// among them is entered. That is the state an OOM kill or a node crash leaves at that
// point, and every syscall boundary can be such a point.
#pragma once

#include <string>

#include "harness.hpp"

namespace test {

struct KilledRun {
  long syscalls = 0;    // syscall entries seen, across every traced process
  bool killed = false;  // false: it finished before reaching kill_at
  int rc = -1;          // exit code of the plugin when it was not killed
  int programs = 0;     // execve()s that succeeded: the plugin's own, then those it ran
  std::string out;
  std::string err;
};

// Runs `binary` like run() does, inside the network namespace at `netns` ("" = the test's),
// and kills it at syscall entry `kill_at` (≤ 0: never; the run counts the syscalls).
KilledRun run_killed_at(const std::string& binary, const Env& env, const std::string& stdin_data, long kill_at,
                        const std::string& netns = "");

}  // namespace test
