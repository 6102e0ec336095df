// Round-robin allocation over one range set, the reference's allocator.go: start after
// last_reserved_ip.<set>, walk the set's ranges in order wrapping around, skip each range's
// gateway, and take the first IP whose lease file can be created exclusively.
#pragma once

#include <optional>

#include "config.hpp"
#include "store.hpp"

namespace hostlocal {

// Walks candidate (ip, range) pairs in allocation order; nullopt once it has come back
// to where it started.
class RangeIter {
 public:
  RangeIter(const RangeSet& set, const std::optional<cni::IpAddr>& last_reserved);
  std::optional<std::pair<cni::IpAddr, const Range*>> next();

 private:
  const RangeSet& set_;
  size_t range_idx_ = 0;
  std::optional<cni::IpAddr> cur_;
  std::optional<cni::IpAddr> start_;
};

struct Allocation {
  cni::Cidr address;  // the IP with its subnet's prefix
  cni::IpAddr gateway;
};

// Allocates one IP of `set` (index `set_index`) to (id, ifname): `requested` when given,
// else the next free one after `last_reserved` (the set's last_reserved_ip, which the caller
// has read already). Throws cni::Error naming the range set when nothing is free.
Allocation allocate(Store& store, const RangeSet& set, int set_index, const std::string& id, const std::string& ifname,
                    const std::optional<cni::IpAddr>& requested, const std::optional<cni::IpAddr>& last_reserved);

}  // namespace hostlocal
