// host-device's config, its device selection over a fake sysfs tree (name, MAC, kernel
// path, PCI address, virtio, DPDK drivers), and the host-state file.
#include <filesystem>

#include <catch2/catch.hpp>

#include "../../plugins/host-device/config.hpp"
#include "../../plugins/host-device/host_state.hpp"
#include "../../plugins/host-device/select.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {
json base() { return {{"cniVersion", "1.0.0"}, {"name", "hdnet"}, {"type", "host-device"}}; }
hostdevice::HostDeviceConfig parse(const json& j) { return hostdevice::parse_config(cni::NetConf::parse(j.dump())); }
int code_of(const json& j) {
  return test::error_code([&] { parse(j); });
}
json with(const char* key, const json& v) {
  auto j = base();
  j[key] = v;
  return j;
}
cni::Link link(const std::string& name, const std::string& mac) { return {.name = name, .mac = *cni::mac_parse(mac)}; }

// A sysfs tree: two PCI NICs (one virtio), one bound to vfio-pci, and a platform device.
struct FakeSysfs {
  test::TempDir dir;
  FakeSysfs() {
    auto pci = fs::path(dir.path) / "bus/pci/devices";
    fs::create_directories(pci / "0000:00:03.0/net/ens3");
    fs::create_directories(pci / "0000:00:04.0/virtio1/net/ens4");
    fs::create_directories(pci / "0000:00:05.0");
    fs::create_directories(fs::path(dir.path) / "bus/pci/drivers/vfio-pci");
    fs::create_symlink(fs::path(dir.path) / "bus/pci/drivers/vfio-pci", pci / "0000:00:05.0/driver");
    fs::create_directories(fs::path(dir.path) / "devices/platform/soc/eth/net/end0");
    fs::create_directories(fs::path(dir.path) / "devices/platform/soc/eth/net/end1");
  }
};
const std::vector<cni::Link> kLinks = {link("lo", "00:00:00:00:00:00"), link("ens3", "52:54:00:00:00:03"),
                                       link("ens4", "52:54:00:00:00:04"), link("end1", "52:54:00:00:00:11")};
}  // namespace

TEST_CASE("host-device config: one selector required, malformed ones refused", "[host-device]") {
  CHECK(code_of(base()) == 7);
  CHECK(parse(with("device", "eth1")).device == "eth1");
  CHECK(parse(with("hwaddr", "52:54:00:AB:CD:EF")).hwaddr == "52:54:00:ab:cd:ef");
  CHECK(parse(with("kernelpath", "/sys/devices/pci0000:00/0000:00:19.0")).kernelpath ==
        "/sys/devices/pci0000:00/0000:00:19.0");
  auto j = with("pciBusID", "0000:00:03.0");
  CHECK(parse(j).pci_bus_id == "0000:00:03.0");
  j["runtimeConfig"] = {{"deviceID", "0000:00:04.0"}};
  CHECK(parse(j).pci_bus_id == "0000:00:04.0");  // the runtime's device wins
  CHECK(parse(with("device", "eth1")).data_dir == "/var/lib/cni/host-device");
  CHECK(code_of(with("hwaddr", "52:54:00")) == 7);
  CHECK(code_of(with("kernelpath", "/tmp/x")) == 7);
  CHECK(code_of(with("kernelpath", "/sys/devices/../../etc")) == 7);
  CHECK(code_of(with("pciBusID", "../../../etc")) == 7);
  CHECK(code_of(with("device", "a b")) == 7);
  j = with("device", "eth1");
  j["dataDir"] = "relative";
  CHECK(code_of(j) == 7);
}

TEST_CASE("host-device selection: name, MAC, kernel path, PCI, virtio, DPDK, in the reference's order",
          "[host-device]") {
  FakeSysfs sys;
  auto pick = [&](const json& j) { return hostdevice::select_device(parse(j), kLinks, sys.dir.path); };
  CHECK(pick(with("device", "ens3")).name == "ens3");
  CHECK(pick(with("hwaddr", "52:54:00:00:00:04")).name == "ens4");
  CHECK(pick(with("kernelpath", "/sys/devices/platform/soc/eth")).name == "end1");  // end0 is no link here
  CHECK(pick(with("pciBusID", "0000:00:03.0")).name == "ens3");
  CHECK(pick(with("pciBusID", "0000:00:04.0")).name == "ens4");  // under virtio1/
  auto dpdk = pick(with("pciBusID", "0000:00:05.0"));
  CHECK(dpdk.dpdk);
  CHECK(dpdk.name.empty());
  auto j = with("device", "ens4");
  j["hwaddr"] = "52:54:00:00:00:03";
  CHECK(pick(j).name == "ens4");  // device before hwaddr
  for (const auto& bad : {with("device", "eth9"), with("hwaddr", "52:54:00:00:00:99"),
                          with("kernelpath", "/sys/devices/nothing"), with("pciBusID", "0000:00:09.0")})
    CHECK_THROWS_AS(pick(bad), cni::Error);
}

TEST_CASE("host-device state: written and read back, damage refused", "[host-device]") {
  hostdevice::HostState s;
  s.device = "ens3";
  s.up = true;
  s.addresses = {*cni::Cidr::parse("10.1.2.3/24"), *cni::Cidr::parse("fd00::3/64")};
  cni::RouteEntry r;
  r.dst = *cni::Cidr::parse("10.9.0.0/16");
  r.gw = cni::IpAddr::parse("10.1.2.1");
  r.priority = 100;
  s.routes = {r};
  auto back = hostdevice::HostState::from_json(s.to_json());
  CHECK(back.device == "ens3");
  CHECK(back.up);
  CHECK(back.addresses == s.addresses);
  REQUIRE(back.routes.size() == 1);
  CHECK(back.routes[0].dst == r.dst);
  CHECK(back.routes[0].gw == r.gw);
  CHECK(back.routes[0].priority == 100u);
  for (const char* bad : {"", "{}", "{\"device\":\"x\"}", "{\"device\":\"\",\"up\":true,\"addresses\":[],\"routes\":[]}",
                          "{\"device\":\"x\",\"up\":true,\"addresses\":[\"nope\"],\"routes\":[]}"})
    CHECK_THROWS_AS(hostdevice::HostState::from_json(bad), cni::Error);
  CHECK(hostdevice::state_path("/d", "net", "c1", "eth0") == "/d/net/c1_eth0");
}
