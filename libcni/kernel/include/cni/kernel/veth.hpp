// The veth pair of the routed and bridged plugins (bridge, ptp): one end born in the
// container under CNI_IFNAME, the other in the host under a random "veth%08x" name, both in
// one request so nothing is ever renamed or moved.
#pragma once

#include <optional>
#include <string>

#include "cni/kernel/netlink.hpp"

namespace cni {

class Netns;

struct VethPair {
  Link host;       // as the host sees it
  Link container;  // as the container sees it
};

// `container` is a socket in the container's namespace, `host_nl` one in `host_ns`. A clash
// on the random host name is retried (as the reference does); any other error, or the
// container already holding `ifname`, is thrown.
VethPair create_veth_pair(Netlink& container, Netlink& host_nl, const Netns& host_ns, const std::string& ifname,
                          int mtu, const std::optional<Mac>& mac);

}  // namespace cni
