// The ipvlan plugin: policy only. Gives a container an ipvlan link over a host interface
// (the reference's plugins/main/ipvlan/ipvlan.go), created directly inside the container.
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <functional>

#include "cni/delegate.hpp"
#include "cni/error.hpp"
#include "cni/iface.hpp"
#include "cni/netlink.hpp"
#include "cni/netns.hpp"
#include "cni/skel.hpp"
#include "config.hpp"
#include "host_local.hpp"

namespace ipvlan {
namespace {

cni::Netns open_netns(const std::string& path) {
  auto ns = cni::Netns::try_open(path);
  if (!ns) throw cni::Error(cni::kInvalidEnvironment, "netns \"" + path + "\" does not exist");
  return std::move(*ns);
}

// The interface of the first default route (dst of prefix 0) in `nl`'s namespace.
std::string default_route_interface(cni::Netlink& nl) {
  for (int family : {AF_INET, AF_INET6})
    for (const auto& r : nl.routes(family))
      if (r.dst.prefix == 0 && r.oif)
        if (auto l = nl.link(r.oif)) return l->name;
  throw cni::Error(cni::kInvalidNetworkConfig, "no default route interface found", "set \"master\" in the config");
}

// `master` when configured; otherwise the single interface of prevResult (in a chain), or
// the default route's interface.
std::string resolve_master(const IpvlanConfig& c, const cni::NetConf& conf, cni::Netlink& master_nl) {
  if (!c.master.empty()) return c.master;
  if (conf.prev_result) {
    const auto& ifs = conf.prev_result->interfaces;
    if (ifs.size() == 1 && !ifs[0].name.empty()) return ifs[0].name;
    throw cni::Error(cni::kInvalidNetworkConfig, "chained master failure. PrevResult lacks a single named interface");
  }
  return default_route_interface(master_nl);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const IpvlanConfig c = parse_config(args.conf, /*for_add=*/true);
  const std::string& ifname = args.env.ifname;
  cni::Netns ns = open_netns(args.env.netns);
  cni::Netlink cont = cni::Netlink::open_in(ns);
  if (cont.link(ifname))
    throw cni::Error(cni::kInvalidEnvironment, "interface \"" + ifname + "\" already exists in " + args.env.netns);
  std::optional<cni::Netlink> host_nl;
  if (!c.link_in_container) host_nl.emplace(cni::Netlink::open());
  cni::Netlink& master_nl = c.link_in_container ? cont : *host_nl;
  const std::string master = resolve_master(c, args.conf, master_nl);
  auto m = master_nl.link(master);
  if (!m) throw cni::Error(cni::kInvalidNetworkConfig, "failed to look up master \"" + master + "\": no such interface");

  // Born in the container under its final name; the temporary-name fallback covers kernels
  // that check the name in the creating namespace first.
  try {
    master_nl.create_ipvlan(ifname, m->index, c.mode, c.mtu, c.link_in_container ? -1 : ns.fd());
  } catch (const cni::Error& e) {
    if (e.msg().find("File exists") == std::string::npos) throw e.prefixed("failed to create ipvlan");
    std::string tmp = cni::random_veth_name();
    master_nl.create_ipvlan(tmp, m->index, c.mode, c.mtu, c.link_in_container ? -1 : ns.fd());
    auto l = cont.link(tmp);
    if (!l) throw cni::Error(cni::kInternal, "ipvlan \"" + tmp + "\" vanished after creation");
    cont.rename(l->index, ifname);
  }
  bool done = false;
  bool ipam_added = false;
  struct Undo {
    std::function<void()> f;
    ~Undo() {
      try {
        f();
      } catch (...) {
      }
    }
  } undo{[&] {
    if (done) return;
    cont.delete_link(ifname);
    if (ipam_added) cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env);
  }};

  cni::Result result;
  if (!c.ipam_type.empty()) {
    result = cni::delegate_add(c.ipam_type, args.stdin_data, args.env);
    ipam_added = true;
    if (result.ips.empty()) throw cni::Error(cni::kInternal, "IPAM plugin returned missing IP config");
  } else {
    result = *args.conf.prev_result;  // chained: the IPs someone else allocated
    result.interfaces.clear();
  }
  for (auto& ip : result.ips) ip.interface = 0;
  cni::IfaceOptions o;
  o.enable_dad = true;  // the kernel's default DAD, awaited within a bound, as the reference does
  o.ndisc_notify = true;
  o.interface_index = 0;
  try {
    cni::configure_iface(ns, cont, ifname, result, o);
  } catch (const cni::Error& e) {
    throw e.prefixed("failed to configure \"" + ifname + "\" in " + args.env.netns);
  }
  auto l = cont.link(ifname);
  result.interfaces = {{ifname, l ? cni::mac_str(l->mac) : "", std::nullopt, args.env.netns}};
  if (c.dns) result.dns = *c.dns;
  done = true;
  return result;
}

// Never resolves master (the reference fails DEL without one and no default route): all
// DEL needs is the link's name in the container and the IPAM lease.
void cmd_del(const cni::CmdArgs& args) {
  const IpvlanConfig c = parse_config(args.conf);
  if (!c.ipam_type.empty()) cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env);
  if (args.env.netns.empty()) return;
  auto ns = cni::Netns::try_open(args.env.netns);
  if (!ns) return;
  cni::Netlink::open_in(*ns).delete_link(args.env.ifname);
}

void cmd_check(const cni::CmdArgs& args) {
  const IpvlanConfig c = parse_config(args.conf);
  if (!c.ipam_type.empty()) cni::delegate_run("CHECK", c.ipam_type, args.stdin_data, args.env);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  const auto& prev = *args.conf.prev_result;
  int index = -1;
  for (size_t i = 0; i < prev.interfaces.size(); ++i)
    if (prev.interfaces[i].name == args.env.ifname && prev.interfaces[i].sandbox == args.env.netns)
      index = static_cast<int>(i);
  if (index < 0) throw cni::Error(cni::kInternal, "Sandbox in prevResult doesn't match configured netns: " + args.env.netns);
  cni::Netns ns = open_netns(args.env.netns);
  cni::Netlink cont = cni::Netlink::open_in(ns);
  auto l = cont.link(args.env.ifname);
  if (!l) throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" not found in " + args.env.netns);
  if (l->kind != "ipvlan") throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" is not an ipvlan");
  if (l->ipvlan_mode != static_cast<int>(c.mode))
    throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" is not in ipvlan mode " + c.mode_name);
  const auto& want_mac = prev.interfaces[static_cast<size_t>(index)].mac;
  if (!want_mac.empty() && want_mac != cni::mac_str(l->mac))
    throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" MAC " + cni::mac_str(l->mac) + " is not " + want_mac);
  if (!c.master.empty()) {
    cni::Netlink mnl = c.link_in_container ? cni::Netlink::open_in(ns) : cni::Netlink::open();
    auto m = mnl.link(c.master);
    if (!m) throw cni::Error(cni::kInternal, "master \"" + c.master + "\" not found");
    if (l->link != m->index)
      throw cni::Error(cni::kInternal, "interface \"" + args.env.ifname + "\" is not on master \"" + c.master + "\"");
  }
  cni::check_iface(cont, args.env.ifname, prev, index);
}

void forward(const char* verb, const cni::CmdArgs& args) {
  const IpvlanConfig c = parse_config(args.conf);
  if (!c.ipam_type.empty()) cni::delegate_run(verb, c.ipam_type, args.stdin_data, args.env);
}

}  // namespace
}  // namespace ipvlan

int main() {
  cni::register_builtin("host-local", hostlocal::callbacks());  // see bridge's main
  return cni::plugin_main(
      {"ipvlan", "gives containers an ipvlan link over a host interface"},
      {ipvlan::cmd_add, ipvlan::cmd_del, ipvlan::cmd_check,
       [](const cni::CmdArgs& a) { ipvlan::forward("STATUS", a); }, [](const cni::CmdArgs& a) { ipvlan::forward("GC", a); }});
}
