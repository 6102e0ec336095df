// The Mesos isolator's side of a container, for tests that drive plugins the way the agent
// does (src/slave/containerizer/mesos/isolators/network/cni/cni.cpp): a container ID that is
// a UUID, and CNI_NETNS a bind mount of the container's netns file under the isolator's
// directory, unmounted when the container is destroyed.
#pragma once

#include <sys/mount.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "harness.hpp"

namespace mesos_test {

inline std::string uuid() {
  std::string hex = test::sh("cat /proc/sys/kernel/random/uuid");
  while (!hex.empty() && hex.back() == '\n') hex.pop_back();
  return hex;
}

// The isolator's per-container directory with the bind-mounted ns file; unmounted on exit.
struct MesosContainer {
  test::TempDir root;
  std::string id = uuid();
  test::TestNetns netns{"ms"};
  std::string dir = root.path + "/isolators/network/cni/" + id;
  std::string ns_file = dir + "/ns";
  bool mounted = false;

  MesosContainer() {
    std::filesystem::create_directories(dir);
    test::write_file(ns_file, "");
    REQUIRE(mount(netns.path().c_str(), ns_file.c_str(), nullptr, MS_BIND, nullptr) == 0);
    mounted = true;
  }
  void unmount() {
    if (mounted) umount2(ns_file.c_str(), MNT_DETACH);
    mounted = false;
    std::filesystem::remove_all(dir);
  }
  ~MesosContainer() { unmount(); }
};

}  // namespace mesos_test
