// The host-device plugin: policy only. Moves an existing host link into the container under
// CNI_IFNAME and back under its own name on DEL (the reference's plugins/main/host-device).
//
// The move and the rename are one request each way, so the name never exists in the target
// namespace under anything else (the reference renames in the container, racing udev and
// clashing with names there). The host name also goes into the link's alias, as the
// reference keeps it, so either plugin's DEL brings back a device the other moved. What the
// device loses on the way (its addresses, routes and up state) is kept in a state file and
// restored by DEL.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "builtin_ipam.hpp"
#include "cni/net/container_link.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/spec/skel.hpp"
#include "config.hpp"
#include "host_state.hpp"
#include "select.hpp"

namespace hostdevice {
namespace {

std::string state_file(const HostDeviceConfig& c, const cni::CmdArgs& args) {
  return state_path(c.data_dir, args.conf.name, args.env.container_id, args.env.ifname);
}

std::optional<HostState> read_state(const std::string& path) {
  auto text = cni::read_file_if_exists(path);
  if (!text) return std::nullopt;
  return HostState::from_json(*text);
}

// The device is back in the host under its name: its alias cleared, its state restored.
void settle_back(cni::Netlink& host, int index, const std::optional<HostState>& state) {
  host.set_alias(index, "");
  if (!state) return;
  const std::string failed = restore(host, index, *state);
  if (!failed.empty())
    std::fprintf(stderr, "host-device: %s is back in the host, but could not restore: %s\n", state->device.c_str(),
                 failed.c_str());
}

// DPDK mode: the device stays where it is (a userspace driver owns it); only IPAM runs.
cni::Result add_dpdk(const HostDeviceConfig& c, const cni::CmdArgs& args) {
  if (c.ipam_type.empty()) return {};
  cni::Result r = cni::delegate_add(c.ipam_type, args.stdin_data, args.env);
  if (c.dns && !c.dns->empty()) r.dns = *c.dns;
  return r;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const HostDeviceConfig c = parse_config(args.conf);
  const std::string& ifname = args.env.ifname;
  cni::ContainerSide side = cni::open_for_add(args);
  cni::Netns& ns = side.ns;
  cni::Netlink& cont = side.nl;
  const cni::Netns host_ns = cni::Netns::current();
  cni::Netlink host = cni::Netlink::open();
  const Selection sel = select_device(c, host.links());
  if (sel.dpdk) return add_dpdk(c, args);
  cni::require_expressible(args.conf, !c.ipam_type.empty(), "host-device");
  auto dev = host.link(sel.name);
  if (!dev) throw cni::Error(cni::kInternal, "failed to find host device \"" + sel.name + "\"");
  const HostState before = capture(host, *dev);
  const std::string path = state_file(c, args);
  cni::Rollback undo;

  cni::step("failed to save the state of \"" + dev->name + "\"", [&] {
    cni::make_dirs(c.data_dir + "/" + args.conf.name, 0700);
    cni::write_file_atomic(path, before.to_json());
  });
  undo.push([path] { std::filesystem::remove(path); });
  // Undone wherever the device ends up: moved back if it got into the container, and in any
  // case its alias cleared and its state put back.
  undo.push([&] {
    if (auto l = cont.link(ifname)) cont.move_to_netns(l->index, host_ns.fd(), before.device);
    if (auto back = host.link(before.device)) settle_back(host, back->index, before);
  });
  cni::step("failed to move \"" + dev->name + "\" into netns " + args.env.netns, [&] {
    host.set_alias(dev->index, dev->name);
    host.move_to_netns(dev->index, ns.fd(), ifname);
  });
  cni::Result result = cni::attach_addresses(args, c.ipam_type, undo, ns, cont, {});
  if (c.dns && !c.dns->empty()) result.dns = *c.dns;
  undo.commit();
  return result;
}

// The link whose alias (or name) is `device` in `nl`'s namespace: where a physical device
// lands when its container's namespace dies (under its container name, or "devN").
std::optional<cni::Link> by_alias(cni::Netlink& nl, const std::string& device) {
  if (auto l = nl.link(device)) return l;
  for (const auto& l : nl.links())
    if (l.alias == device) return l;
  return std::nullopt;
}

// Brings the device back under its host name and restores what it had. Returns false when
// the device is nowhere to be found (a virtual device dies with its namespace).
bool return_device(const cni::CmdArgs& args, const std::optional<HostState>& state, cni::Netlink& host,
                   const cni::Netns& host_ns) {
  std::string device = state ? state->device : "";
  bool moved = false;
  if (!args.env.netns.empty())
    if (auto ns = cni::Netns::try_open(args.env.netns)) {
      cni::Netlink cont = cni::Netlink::open_in(*ns);
      if (auto l = cont.link(args.env.ifname)) {
        if (!l->alias.empty()) device = l->alias;
        if (device.empty())
          throw cni::Error(cni::kInternal, "cannot tell the host name of \"" + args.env.ifname + "\"",
                           "it has no alias and no state was kept for it");
        cont.move_to_netns(l->index, host_ns.fd(), device);
        moved = true;
      }
    }
  if (device.empty()) return false;
  auto l = moved ? host.link(device) : by_alias(host, device);
  if (!l) return false;
  if (l->name != device) {  // it came back by itself, under another name
    host.set_up(l->index, false);
    host.rename(l->index, device);
  }
  settle_back(host, l->index, state);
  return true;
}

// Works without the netns (the reference's DEL fails then): a physical device that came
// back by itself when the namespace died is found by its alias, renamed and restored.
void cmd_del(const cni::CmdArgs& args) {
  const HostDeviceConfig c = parse_config(args.conf);
  std::optional<cni::Error> ipam_error;
  if (!c.ipam_type.empty()) {
    try {
      cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env);
    } catch (const cni::Error& e) {
      ipam_error = e;
    }
  }
  const std::string path = state_file(c, args);
  std::optional<HostState> state;
  try {
    state = read_state(path);
  } catch (const cni::Error& e) {
    std::fprintf(stderr, "host-device: ignoring %s: %s\n", path.c_str(), e.msg().c_str());
  }
  cni::Netlink host = cni::Netlink::open();
  return_device(args, state, host, cni::Netns::current());
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ipam_error) throw *ipam_error;
}

void cmd_check(const cni::CmdArgs& args) {
  const HostDeviceConfig c = parse_config(args.conf);
  if (is_dpdk(c)) {
    if (!c.ipam_type.empty()) cni::delegate_run("CHECK", c.ipam_type, args.stdin_data, args.env);
    if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
    return;
  }
  cni::check_container_link(args, c.ipam_type, "");
}

// Devices of attachments the runtime no longer knows that are back in the host (their
// namespace died) get their name and state back; then IPAM's GC.
void cmd_gc(const cni::CmdArgs& args) {
  const HostDeviceConfig c = parse_config(args.conf);
  const auto valid = cni::valid_attachments(args.conf);
  cni::Netlink host = cni::Netlink::open();
  const cni::Netns host_ns = cni::Netns::current();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(c.data_dir + "/" + args.conf.name, ec)) {
    const auto name = e.path().filename().string();
    const auto sep = name.rfind('_');
    if (sep == std::string::npos) continue;
    const cni::AttachmentId id{name.substr(0, sep), name.substr(sep + 1)};
    if (std::find(valid.begin(), valid.end(), id) != valid.end()) continue;
    try {
      auto state = read_state(e.path());
      cni::CmdArgs gone = args;
      gone.env.netns.clear();
      gone.env.container_id = id.container_id;
      gone.env.ifname = id.ifname;
      if (return_device(gone, state, host, host_ns)) std::filesystem::remove(e.path());
    } catch (const cni::Error& err) {
      std::fprintf(stderr, "host-device: GC of %s: %s\n", name.c_str(), err.msg().c_str());
    }
  }
  if (!c.ipam_type.empty()) cni::delegate_run("GC", c.ipam_type, args.stdin_data, args.env);
}

}  // namespace
}  // namespace hostdevice

int main() {
  cnipp::register_builtin_ipam();
  return cni::plugin_main({"host-device", "moves a host network device into the container"},
                          {hostdevice::cmd_add, hostdevice::cmd_del, hostdevice::cmd_check,
                           [](const cni::CmdArgs& a) { cni::forward_to_ipam("STATUS", a); }, hostdevice::cmd_gc});
}
