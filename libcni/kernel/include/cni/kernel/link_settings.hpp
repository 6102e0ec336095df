// Links the meta plugins change or create beyond what cni::Netlink covers: tuning's
// all-multicast flag and transmit queue length (MTU, MAC and promiscuous mode are in
// Netlink), and bandwidth's ifb device.
#pragma once

#include <string>

#include "cni/kernel/netlink.hpp"

namespace cni {

void set_allmulti(Netlink& nl, int index, bool on);
void set_txqlen(Netlink& nl, int index, int txqlen);
// An ifb ("intermediate functional block") device, up, with `mtu` and a transmit queue
// length of 0, as the reference's bandwidth plugin makes it.
void create_ifb(Netlink& nl, const std::string& name, int mtu);

}  // namespace cni
