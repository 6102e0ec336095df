// Keeps the VTEP's routes, neighbours and FDB in step with the peers' leases. Per remote
// subnet, three permanent entries (flannel's vxlan scheme, no L2/L3-miss handling):
//   FDB        peer VTEP MAC -> peer underlay IP            (where to send the frame)
//   neighbour  peer subnet's network address -> VTEP MAC   (what to put in the frame)
//   route      peer subnet via its network address, onlink, out the VTEP
// Added in that order so the kernel never has to ARP; removed in the reverse order. The
// device belongs to the overlay, so whatever else is on it is removed.
#pragma once

#include <vector>

#include "cni/kernel/netlink.hpp"
#include "lease.hpp"

namespace overlay {

struct ReconcileStats {
  int added = 0, removed = 0;  // kernel entries written / deleted
};

ReconcileStats reconcile_peers(cni::Netlink& nl, int vtep_index, const std::vector<Lease>& peers);

}  // namespace overlay
