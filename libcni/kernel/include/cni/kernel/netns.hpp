// Network namespaces: open a namespace file (a /var/run/netns path, or a bind mount such
// as Mesos's /var/run/mesos/isolators/network/cni/<id>/ns), verify it, and switch into it
// for as short a time as possible.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "cni/base/fs.hpp"

namespace cni {

class Netns {
 public:
  // Opens and verifies `path` is a network namespace. Throws Error(kInvalidEnvironment)
  // when it is something else, Error(kIoFailure) when it cannot be opened.
  static Netns open(const std::string& path);
  // As open(), but nullopt when the path does not exist (DEL after the container is gone).
  static std::optional<Netns> try_open(const std::string& path);
  // The calling thread's current network namespace.
  static Netns current();

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  bool same_as(const Netns& other) const { return dev_ == other.dev_ && ino_ == other.ino_; }

  // Runs f() inside this namespace and returns to the original one. Failing to return
  // would leave the process acting on the wrong network, so that aborts.
  template <class F>
  auto run_in(F&& f) const -> decltype(f()) {
    Switch s(*this);
    return f();
  }

 private:
  Netns(UniqueFd fd, std::string path);
  struct Switch {
    explicit Switch(const Netns& target);
    ~Switch();
    UniqueFd original;
  };

  UniqueFd fd_;
  std::string path_;
  unsigned long dev_ = 0, ino_ = 0;
};

// An exclusive flock on the namespace file itself (the reference's sbr does the same), held
// until destruction: serializes plugins that read and then change state inside one
// container's namespace (sbr's tables and rules, vrf's devices) when a runtime runs several
// attachments of the container at once.
class NetnsLock {
 public:
  explicit NetnsLock(const Netns& ns);
  ~NetnsLock();
  NetnsLock(const NetnsLock&) = delete;
  NetnsLock& operator=(const NetnsLock&) = delete;

 private:
  int fd_;
};

}  // namespace cni
