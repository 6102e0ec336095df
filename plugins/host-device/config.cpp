#include "config.hpp"

#include "cni/base/error.hpp"
#include "cni/spec/mac.hpp"

namespace hostdevice {

namespace {
[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}
bool has_dot_dot(const std::string& path) { return path.find("/../") != std::string::npos || path.ends_with("/.."); }
}  // namespace

HostDeviceConfig parse_config(const cni::NetConf& conf) {
  HostDeviceConfig c;
  c.device = cni::get_string(conf.raw, "device");
  if (!c.device.empty()) cni::validate_link_name(c.device, "device name");
  auto hw = cni::get_string(conf.raw, "hwaddr");
  if (!hw.empty()) {
    auto mac = cni::canonical_mac(hw);
    if (!mac) invalid("failed to parse MAC address \"" + hw + "\" in \"hwaddr\"");
    c.hwaddr = *mac;
  }
  c.kernelpath = cni::get_string(conf.raw, "kernelpath");
  if (!c.kernelpath.empty() && (!c.kernelpath.starts_with("/sys/devices/") || has_dot_dot(c.kernelpath)))
    invalid("kernel device path \"" + c.kernelpath + "\" must be absolute and begin with /sys/devices/");
  c.pci_bus_id = cni::get_string(conf.raw, "pciBusID");
  if (auto id = cni::get_string(conf.runtime_config, "deviceID"); !id.empty()) c.pci_bus_id = id;
  if (!c.pci_bus_id.empty() && (c.pci_bus_id.find('/') != std::string::npos || c.pci_bus_id == "." || c.pci_bus_id == ".."))
    invalid("invalid PCI address \"" + c.pci_bus_id + "\"", "a PCI address looks like 0000:00:19.0");
  if (c.device.empty() && c.hwaddr.empty() && c.kernelpath.empty() && c.pci_bus_id.empty())
    invalid("specify either \"device\", \"hwaddr\", \"kernelpath\" or \"pciBusID\"");
  c.ipam_type = conf.ipam_type();
  c.dns = conf.dns;
  c.data_dir = cni::get_string(conf.raw, "dataDir", c.data_dir);
  if (c.data_dir.empty() || c.data_dir[0] != '/') invalid("\"dataDir\" must be an absolute path");
  return c;
}

}  // namespace hostdevice
