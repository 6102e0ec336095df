#include "cni/net/container_link.hpp"

#include <sys/socket.h>

#include <optional>

#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"

namespace cni {

Netns open_container_netns(const std::string& path) {
  auto ns = Netns::try_open(path);
  if (!ns) throw Error(kInvalidEnvironment, "netns \"" + path + "\" does not exist");
  return std::move(*ns);
}

ContainerSide open_for_add(const CmdArgs& args) {
  Netns ns = open_container_netns(args.env.netns);
  Netlink nl = Netlink::open_in(ns);
  if (nl.link(args.env.ifname))
    throw Error(kInvalidEnvironment, "interface \"" + args.env.ifname + "\" already exists in " + args.env.netns);
  return {std::move(ns), std::move(nl)};
}

MasterSide::MasterSide(bool in_container, Netlink& container)
    : own_(in_container ? std::nullopt : std::optional<Netlink>(Netlink::open())), nl_(in_container ? container : *own_) {}

Link MasterSide::find(const std::string& name, int mtu) {
  auto m = nl_.link(name);
  if (!m) throw Error(kInvalidNetworkConfig, "failed to lookup master \"" + name + "\": no such interface");
  if (mtu > m->mtu)
    throw Error(kInvalidNetworkConfig, "invalid MTU " + std::to_string(mtu) + ", must be [0, master MTU(" +
                                           std::to_string(m->mtu) + ")]");
  return *m;
}

std::string default_route_interface(Netlink& nl) {
  for (int family : {AF_INET, AF_INET6})
    for (const auto& r : nl.routes(family))
      if (r.dst.prefix == 0 && r.oif)
        if (auto l = nl.link(r.oif)) return l->name;
  throw Error(kInvalidNetworkConfig, "no default route interface found", "set \"master\" in the config");
}

Link create_container_link(Netlink& creator, Netlink& container, NewLink spec) {
  const std::string ifname = spec.name;
  try {
    creator.create_link(spec);
  } catch (const Error& e) {
    if (e.msg().find("File exists") == std::string::npos || container.link(ifname)) throw;
    spec.name = random_veth_name();
    creator.create_link(spec);
    auto tmp = container.link(spec.name);
    if (!tmp) throw Error(kInternal, spec.kind + " \"" + spec.name + "\" vanished after creation");
    try {
      container.rename(tmp->index, ifname);
    } catch (...) {
      container.delete_link(tmp->index);
      throw;
    }
  }
  auto l = container.link(ifname);
  if (!l) throw Error(kInternal, spec.kind + " \"" + ifname + "\" vanished after creation");
  return *l;
}

Result attach_addresses(const CmdArgs& args, const std::string& ipam_type, Rollback& undo, Netns& ns, Netlink& cont,
                        IfaceOptions iface) {
  const std::string& ifname = args.env.ifname;
  Result result;
  if (!ipam_type.empty()) {
    result = delegate_add(ipam_type, args.stdin_data, args.env);
    undo.push([&args, ipam_type] { delegate_run("DEL", ipam_type, args.stdin_data, args.env); });
    if (result.ips.empty()) throw Error(kInternal, "IPAM plugin returned missing IP config");
    for (auto& ip : result.ips) ip.interface = 0;
    iface.interface_index = 0;
    step("failed to configure \"" + ifname + "\" in netns " + args.env.netns,
         [&] { configure_iface(ns, cont, ifname, result, iface); });
  } else {
    auto l = cont.link(ifname);
    if (!l) throw Error(kInternal, "link \"" + ifname + "\" not found in " + args.env.netns);
    step("failed to set \"" + ifname + "\" up", [&] { cont.set_up(l->index); });
  }
  auto l = cont.link(ifname);
  result.interfaces = {{ifname, l ? mac_str(l->mac) : "", std::nullopt, args.env.netns}};
  return result;
}

Result finish_link_add(Netlink& cont, const std::string& ifname, const std::optional<Dns>& dns,
                       const std::function<Result(Rollback&)>& attach) {
  Rollback undo;
  undo.push([&cont, ifname] { cont.delete_link(ifname); });
  Result result = attach(undo);
  if (dns && !dns->empty()) result.dns = *dns;
  undo.commit();
  return result;
}

void require_expressible(const NetConf& conf, bool has_ipam, const std::string& plugin) {
  if (!Result::expressible(conf.cni_version, has_ipam))
    throw Error(kIncompatibleVersion,
                "an L2-only " + plugin + " (no IPAM) cannot produce a result in version " + conf.cni_version,
                "results before 0.3.0 need an IP address; use cniVersion 0.3.0 or newer, or configure ipam");
}

void delete_container_link(const CmdArgs& args, const std::string& ipam_type) {
  std::optional<Error> ipam_error;
  if (!ipam_type.empty()) {
    try {
      delegate_run("DEL", ipam_type, args.stdin_data, args.env);
    } catch (const Error& e) {
      ipam_error = e;
    }
  }
  if (!args.env.netns.empty()) {
    if (auto ns = Netns::try_open(args.env.netns)) Netlink::open_in(*ns).delete_link(args.env.ifname);
  }
  if (ipam_error) throw *ipam_error;
}

Link check_container_link(const CmdArgs& args, const std::string& ipam_type, const std::string& kind) {
  const std::string& ifname = args.env.ifname;
  Netns ns = open_container_netns(args.env.netns);
  if (!ipam_type.empty()) delegate_run("CHECK", ipam_type, args.stdin_data, args.env);
  if (!args.conf.prev_result) throw Error(kInvalidNetworkConfig, "Required prevResult missing");
  const Result& prev = *args.conf.prev_result;
  int index = -1;
  for (size_t i = 0; i < prev.interfaces.size(); ++i)
    if (prev.interfaces[i].name == ifname && prev.interfaces[i].sandbox == args.env.netns) index = static_cast<int>(i);
  if (index < 0) throw Error(kInternal, "Sandbox in prevResult doesn't match configured netns: " + args.env.netns);
  Netlink nl = Netlink::open_in(ns);
  auto l = nl.link(ifname);
  if (!l) throw Error(kInternal, "Container Interface name in prevResult: " + ifname + " not found");
  if (!kind.empty() && l->kind != kind)
    throw Error(kInternal, "Error: Container interface " + ifname + " not of type " + kind);
  const auto& want_mac = prev.interfaces[static_cast<size_t>(index)].mac;
  if (!want_mac.empty() && want_mac != mac_str(l->mac))
    throw Error(kInternal, "Interface " + ifname + " Mac " + want_mac + " doesn't match container Mac: " + mac_str(l->mac));
  check_iface(nl, ifname, prev, index);
  return *l;
}

void forward_to_ipam(const char* verb, const CmdArgs& args) {
  const std::string type = args.conf.ipam_type();
  if (!type.empty()) delegate_run(verb, type, args.stdin_data, args.env);
}

Callbacks ipam_state_callbacks(std::function<Result(const CmdArgs&)> add, std::function<void(const CmdArgs&)> del,
                               std::function<void(const CmdArgs&)> check) {
  return {std::move(add), std::move(del), std::move(check), [](const CmdArgs& a) { forward_to_ipam("STATUS", a); },
          [](const CmdArgs& a) { forward_to_ipam("GC", a); }};
}

}  // namespace cni
