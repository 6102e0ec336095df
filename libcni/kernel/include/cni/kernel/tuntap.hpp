// Tap devices through /dev/net/tun (the tap plugin), never the `ip` binary: created in the
// calling thread's network namespace (wrap in Netns::run_in for a container's).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cni {

struct TapOptions {
  bool multi_queue = false;
  std::optional<uint32_t> owner;  // only this user may attach (TUNSETOWNER); unset: anyone with CAP_NET_ADMIN
  std::optional<uint32_t> group;  // only this group may attach (TUNSETGROUP)
};

// Creates a persistent tap `name` (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, exclusive: an existing
// device of that name is an error, never attached to). Throws Error(kIoFailure).
void create_tap(const std::string& name, const TapOptions& o);

}  // namespace cni
