// VRF devices (l3mdev) for the vrf plugin: find them with their routing table, create one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cni/kernel/netlink.hpp"

namespace cni {

struct VrfDevice {
  int index = 0;
  std::string name;
  uint32_t table = 0;  // IFLA_VRF_TABLE
};

// Every VRF device of the socket's namespace.
std::vector<VrfDevice> list_vrfs(Netlink& nl);
// Creates VRF `name` bound to `table` (down; the caller brings it up).
void create_vrf(Netlink& nl, const std::string& name, uint32_t table);

}  // namespace cni
