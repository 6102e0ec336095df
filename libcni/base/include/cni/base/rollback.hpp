// Undoing a half-done ADD: every plugin that creates several things pushes the undo of each
// as it goes; unless the ADD commits, they run newest first when the Rollback goes out of
// scope, so a failed ADD leaves nothing behind (the spec's "no partial state").
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cni/base/error.hpp"

namespace cni {

class Rollback {
 public:
  Rollback() = default;
  Rollback(const Rollback&) = delete;
  Rollback& operator=(const Rollback&) = delete;
  ~Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      try {
        (*it)();
      } catch (...) {
        // Best effort: the ADD's own error is what the runtime needs to see.
      }
    }
  }
  void push(std::function<void()> f) { undo_.push_back(std::move(f)); }
  void commit() { undo_.clear(); }

 private:
  std::vector<std::function<void()>> undo_;
};

// Runs one ADD step and names it in the error, so "which step failed" is never a guess.
template <typename F>
auto step(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    throw e.prefixed(what);
  } catch (const std::exception& e) {
    throw Error(kInternal, what + ": " + e.what());
  }
}

}  // namespace cni
