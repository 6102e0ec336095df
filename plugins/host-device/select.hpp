// Which host link a host-device config names: by name, MAC, kernel device path or PCI
// address (sysfs), and whether that PCI device is bound to a userspace (DPDK) driver. The
// sysfs root is a parameter so the unit tests can point it at a tree of their own.
#pragma once

#include <string>
#include <vector>

#include "cni/kernel/netlink.hpp"
#include "config.hpp"

namespace hostdevice {

struct Selection {
  std::string name;   // the host link to move ("" in DPDK mode)
  bool dpdk = false;  // pciBusID bound to vfio-pci, uio_pci_generic or igb_uio: nothing to move
};

// `links`: the host namespace's links. Throws cni::Error naming what was looked for when no
// link matches.
Selection select_device(const HostDeviceConfig& c, const std::vector<cni::Link>& links,
                        const std::string& sysfs = "/sys");

// True when the config selects by PCI address and that device is bound to a userspace
// driver: the DPDK mode, where nothing is moved.
bool is_dpdk(const HostDeviceConfig& c, const std::string& sysfs = "/sys");

}  // namespace hostdevice
