#include "select.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "cni/base/error.hpp"

namespace fs = std::filesystem;

namespace hostdevice {

namespace {

[[noreturn]] void not_found(const std::string& what) {
  throw cni::Error(cni::kInternal, "failed to find host device: " + what);
}

// Entries of a sysfs net/ directory, sorted (readdir order is not stable across kernels).
std::vector<std::string> net_entries(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool is_link(const std::vector<cni::Link>& links, const std::string& name) {
  return std::any_of(links.begin(), links.end(), [&](const cni::Link& l) { return l.name == name; });
}

bool userspace_driver(const fs::path& pci_dir) {
  std::error_code ec;
  auto driver = fs::read_symlink(pci_dir / "driver", ec);
  if (ec) return false;
  const auto name = driver.filename().string();
  return name == "vfio-pci" || name == "uio_pci_generic" || name == "igb_uio";
}

std::string by_pci(const std::string& id, const std::vector<cni::Link>& links, const fs::path& sysfs) {
  const fs::path dev = sysfs / "bus/pci/devices" / id;
  std::error_code ec;
  fs::path net = dev / "net";
  if (!fs::exists(net, ec)) {
    // virtio devices keep it one level down: <pci>/virtio3/net.
    net.clear();
    std::vector<std::string> virtio;
    for (const auto& e : fs::directory_iterator(dev, ec))
      if (e.path().filename().string().starts_with("virtio") && fs::exists(e.path() / "net")) virtio.push_back(e.path());
    std::sort(virtio.begin(), virtio.end());
    if (virtio.empty()) not_found("no net directory under pci device " + id);
    net = fs::path(virtio.front()) / "net";
  }
  for (const auto& name : net_entries(net))
    if (is_link(links, name)) return name;
  not_found("no network device for pci address " + id);
}

}  // namespace

bool is_dpdk(const HostDeviceConfig& c, const std::string& sysfs) {
  return c.device.empty() && c.hwaddr.empty() && c.kernelpath.empty() && !c.pci_bus_id.empty() &&
         userspace_driver(fs::path(sysfs) / "bus/pci/devices" / c.pci_bus_id);
}

Selection select_device(const HostDeviceConfig& c, const std::vector<cni::Link>& links, const std::string& sysfs) {
  Selection s;
  if (!c.device.empty()) {
    if (!is_link(links, c.device)) not_found("no link named \"" + c.device + "\"");
    s.name = c.device;
  } else if (!c.hwaddr.empty()) {
    for (const auto& l : links)
      if (cni::mac_str(l.mac) == c.hwaddr) return {l.name, false};
    not_found("no link with MAC " + c.hwaddr);
  } else if (!c.kernelpath.empty()) {
    // kernelpath is /sys/devices/...; under a test's own tree it is <sysfs>/devices/...
    const fs::path dir = fs::path(sysfs) / c.kernelpath.substr(5) / "net";
    for (const auto& name : net_entries(dir))
      if (is_link(links, name)) return {name, false};
    not_found("no network device at " + c.kernelpath + "/net");
  } else {
    if (is_dpdk(c, sysfs)) return {"", true};
    s.name = by_pci(c.pci_bus_id, links, sysfs);
  }
  return s;
}

}  // namespace hostdevice
