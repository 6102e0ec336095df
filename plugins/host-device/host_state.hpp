// What a device loses when it moves into a container and DEL gives back: its host-side
// addresses, routes and up state (the reference leaves the device down and bare,
// plugins#754). Kept as a small JSON file per attachment under the config's dataDir:
// <dataDir>/<network>/<containerID>_<ifname>.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/kernel/netlink.hpp"
#include "cni/spec/skel.hpp"

namespace hostdevice {

struct HostState {
  std::string device;  // the host name, also kept in the link's alias (as the reference does)
  bool up = false;
  std::vector<cni::Cidr> addresses;
  std::vector<cni::RouteEntry> routes;  // main table, through the device, not the kernel's own

  std::string to_json() const;
  static HostState from_json(const std::string& text);  // Error(kDecodingFailure) when damaged
};

// The device's current host-side state, read through `host`.
HostState capture(cni::Netlink& host, const cni::Link& dev);
// Puts `s` back on the link `index` (addresses, up, routes). Best effort: what fails is
// returned as text, so DEL can report it without failing (a route whose gateway is gone
// would otherwise fail every DEL forever).
std::string restore(cni::Netlink& host, int index, const HostState& s);

std::string state_path(const std::string& data_dir, const std::string& network, const std::string& container_id,
                       const std::string& ifname);

}  // namespace hostdevice
