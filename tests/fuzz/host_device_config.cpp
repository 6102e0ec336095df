// host-device's config and its state file (both hostile input: the state file sits on disk
// between ADD and DEL). An input whose first line is "STATE" is a state file; otherwise a
// config, whose PCI address and kernel path must never leave their sysfs directories.
#include "../../plugins/host-device/config.hpp"
#include "../../plugins/host-device/host_state.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  try {
    if (text.starts_with("STATE\n")) {
      auto s = hostdevice::HostState::from_json(std::string(text.substr(6)));
      FUZZ_REQUIRE(!s.device.empty());
      auto again = hostdevice::HostState::from_json(s.to_json());  // what DEL writes, DEL reads
      FUZZ_REQUIRE(again.device == s.device && again.addresses == s.addresses);
      return 0;
    }
    auto c = hostdevice::parse_config(cni::NetConf::parse(text));
    FUZZ_REQUIRE(!(c.device.empty() && c.hwaddr.empty() && c.kernelpath.empty() && c.pci_bus_id.empty()));
    FUZZ_REQUIRE(c.pci_bus_id.find('/') == std::string::npos);
    FUZZ_REQUIRE(c.kernelpath.empty() || (c.kernelpath.starts_with("/sys/devices/") &&
                                          c.kernelpath.find("/../") == std::string::npos));
    FUZZ_REQUIRE(!c.data_dir.empty() && c.data_dir[0] == '/');
  } catch (const cni::Error&) {
  }
  return 0;
}
