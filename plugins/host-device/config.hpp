// The host-device plugin's configuration, decoded and validated before anything is touched.
#pragma once

#include <optional>
#include <string>

#include "cni/spec/config.hpp"

namespace hostdevice {

struct HostDeviceConfig {
  // The device, by one selector; the first set one wins in this order (the reference's).
  std::string device;      // "device": a link name
  std::string hwaddr;      // "hwaddr": canonical MAC
  std::string kernelpath;  // "kernelpath": /sys/devices/... holding a net/ directory
  std::string pci_bus_id;  // "pciBusID", or runtimeConfig.deviceID (capability "deviceID")
  std::string ipam_type;   // empty: no addresses
  std::optional<cni::Dns> dns;
  // Where the device's host-side state (addresses, routes, up) waits for DEL to restore it.
  std::string data_dir = "/var/lib/cni/host-device";
};

// Throws cni::Error code 7 when no selector is set or one is malformed (a MAC that is not one,
// a kernelpath outside /sys/devices/, a PCI address holding '/' or "..").
HostDeviceConfig parse_config(const cni::NetConf& conf);

}  // namespace hostdevice
