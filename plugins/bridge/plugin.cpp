// The bridge plugin: policy only. Attaches a container to a Linux bridge through a veth
// pair, in the reference plugin's order (plugins/main/bridge/bridge.go), undoing every
// earlier step when a later one fails.
#include <functional>
#include <future>
#include <optional>
#include <utility>
#include <vector>

#include "bridge.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/net/masq_conf.hpp"
#include "cni/base/rollback.hpp"
#include "config.hpp"
#include "kernel.hpp"

namespace bridge {
namespace {

using cni::Rollback;
using cni::step;

Attachment attachment(const BridgeConfig& c, const cni::CmdArgs& args) {
  return {c.network, args.env.container_id, args.env.ifname};
}

// network + 1, the reference's calcGatewayIP.
cni::IpAddr first_host(const cni::Cidr& a) { return a.ip.masked(a.prefix).next(); }

// The reference's calcGateways: every IP belongs to the container (index 2), a missing
// gateway becomes network+1 when we are the gateway, and one default route per family.
std::vector<cni::Cidr> gateways(cni::Result& r, const BridgeConfig& c) {
  std::vector<cni::Cidr> gws;
  bool default_found[2] = {false, false};
  for (auto& ip : r.ips) {
    const int fam = ip.address.ip.is_v4() ? 0 : 1;
    ip.interface = 2;
    if (!ip.gateway && c.is_gateway) ip.gateway = first_host(ip.address);
    if (c.is_default_gateway && !default_found[fam]) {
      for (const auto& rt : r.routes)
        if (rt.gw && rt.dst.prefix == 0 && rt.dst.ip.family() == ip.address.ip.family() && rt.dst.ip.is_unspecified())
          default_found[fam] = true;
      if (!default_found[fam]) {
        cni::Route def;
        def.dst = {fam == 0 ? *cni::IpAddr::parse("0.0.0.0") : *cni::IpAddr::parse("::"), 0};
        def.gw = ip.gateway;
        r.routes.push_back(def);
        default_found[fam] = true;
      }
    }
    if (c.is_gateway && ip.gateway) gws.push_back({*ip.gateway, ip.address.prefix});
  }
  return gws;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const BridgeConfig c = parse_config(args.conf, args.env.args);
  check_add_preconditions(c);
  const std::string& ifname = args.env.ifname;
  const Attachment att = attachment(c, args);

  auto cont = step("failed to open netns \"" + args.env.netns + "\"",
                   [&] { return std::make_unique<Container>(args.env.netns); });
  // Checked before anything is created or allocated (the spec's MUST, and no IP leaks).
  if (cont->link(ifname))
    throw cni::Error(cni::kInvalidEnvironment, "container veth name provided (" + ifname + ") already exists",
                     "netns " + args.env.netns);
  Host host;
  Rollback undo;

  LinkState br = step("failed to create bridge \"" + c.bridge + "\"",
                      [&] { return host.ensure_bridge(c.bridge, c.mtu, c.promisc, c.vlan_filtering()); });
  LinkState veth = step("failed to create veth \"" + ifname + "\" in netns " + args.env.netns,
                        [&] { return host.create_veth(*cont, ifname, c.mac, c.mtu); });
  undo.push([&host, idx = veth.index] { host.delete_link(idx); });
  step("failed to connect \"" + veth.name + "\" to bridge \"" + c.bridge + "\"",
       [&] { host.attach_port(veth, br, c.hairpin, c.port_isolation); });
  if (c.vlan_filtering())
    step("failed to set up VLANs on \"" + veth.name + "\"",
         [&] { host.set_port_vlans(veth, c.vlan, c.trunk, c.preserve_default_vlan); });
  auto cont_link = cont->link(ifname);
  const std::string cont_mac = cont_link ? cont_link->mac : "";

  if (c.macspoofchk) {
    step("failed to set up MAC spoof check", [&] { spoofcheck_add(att, veth.name, cont_mac); });
    undo.push([att] { spoofcheck_del(att); });
  }

  cni::Result result;
  if (!c.l2_only()) {
    cni::Result ipam = cni::delegate_add(c.ipam_type, args.stdin_data, args.env);
    undo.push([&] { cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env); });
    result.ips = ipam.ips;
    result.routes = ipam.routes;
    result.dns = ipam.dns;
    if (result.ips.empty()) throw cni::Error(cni::kInternal, "IPAM plugin returned missing IP config");
    const auto gws = gateways(result, c);
    step("failed to configure \"" + ifname + "\" in netns " + args.env.netns,
         [&] { cont->configure(ifname, result, c.enable_dad); });
    if (c.is_gateway) {
      for (const auto& gw : gws)
        step("failed to set bridge addr", [&] { host.ensure_gateway_addr(br, gw, c.force_address); });
      for (int fam : {4, 6})
        for (const auto& gw : gws)
          if (gw.ip.family() == fam) {
            step("failed to enable forwarding", [&] { host.enable_forwarding(fam); });
            break;
          }
    }
    if (c.ip_masq) {
      step("failed to set up IP masquerade",
           [&] { masq_add(att, c.masq_backend == MasqBackend::kIptables, result.ips); });
      undo.push([att] { masq_del(att); });
    }
  } else if (!c.disable_container_interface) {
    step("failed to set \"" + ifname + "\" up", [&] { cont->set_up(ifname); });
  }

  // A port whose container end is left down never comes up; there is nothing to wait for.
  if (!c.disable_container_interface)
    step("bridge port \"" + veth.name + "\" did not come up", [&] { host.wait_oper_up(veth.index); });
  // The kernel may change the port's and the bridge's MACs as ports come and go.
  auto veth_now = host.link(veth.index);
  auto br_now = host.link(br.index);
  result.interfaces = {
      {br.name, br_now ? br_now->mac : br.mac},
      {veth.name, veth_now ? veth_now->mac : veth.mac},
      {ifname, cont_mac, std::nullopt, args.env.netns},
  };
  if (c.dns && !c.dns->empty()) result.dns = *c.dns;
  undo.commit();
  return result;
}

// Best effort and idempotent: every resource is found by the attachment, so a missing
// netns or link still releases the address and the firewall rules.
void cmd_del(const cni::CmdArgs& args) {
  const BridgeConfig c = parse_config(args.conf, args.env.args);
  const Attachment att = attachment(c, args);
  // The kernel's veth deletion waits ~30 ms for RCU grace periods. Nothing else depends on
  // it, so the lease and firewall teardown run meanwhile on a second thread, started here
  // in the host namespace (a thread keeps the namespace it was created in; only this main
  // thread ever enters the container's, briefly, to open its netlink socket).
  auto teardown = std::async(std::launch::async, [&] {
    if (!c.l2_only()) cni::delegate_run("DEL", c.ipam_type, args.stdin_data, args.env);
    if (c.macspoofchk) spoofcheck_del(att);
    if (!c.l2_only()) masq_del(att);
  });
  std::optional<cni::Error> link_error;
  if (!args.env.netns.empty()) {
    try {
      Container cont(args.env.netns);
      cont.delete_link(args.env.ifname);
    } catch (const cni::Error& e) {
      // A netns that is gone (or no longer a netns) has no link left to delete.
      if (e.code() != cni::kInvalidEnvironment && e.code() != cni::kInvalidNetns) link_error = e;
    }
  }
  teardown.get();  // rethrows the teardown's error, after the link work is done either way
  if (link_error) throw *link_error;
}

void cmd_check(const cni::CmdArgs& args) {
  const BridgeConfig c = parse_config(args.conf, args.env.args);
  const std::string& ifname = args.env.ifname;
  Container cont(args.env.netns);
  if (!c.l2_only()) cni::delegate_run("CHECK", c.ipam_type, args.stdin_data, args.env);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  const cni::Result& prev = *args.conf.prev_result;

  const cni::Interface* br_if = nullptr;
  const cni::Interface* cont_if = nullptr;
  for (const auto& i : prev.interfaces) {
    if (i.name == c.bridge && i.sandbox.empty()) br_if = &i;
    else if (i.name == ifname && i.sandbox == args.env.netns) cont_if = &i;
  }
  if (!cont_if)
    throw cni::Error(cni::kInternal, "Sandbox in prevResult doesn't match configured netns: " + args.env.netns);
  Host host;
  auto br = host.link(c.bridge);
  if (!br) throw cni::Error(cni::kInternal, "CNI created bridge " + c.bridge + " in host namespace was not found");
  if (br->kind != "bridge") throw cni::Error(cni::kInternal, "Interface " + c.bridge + " does not have link type of bridge");
  if (br_if && !br_if->mac.empty() && br_if->mac != br->mac)
    throw cni::Error(cni::kInternal, "Bridge interface " + c.bridge + " Mac doesn't match: " + br_if->mac);
  if (br->promisc != c.promisc)
    throw cni::Error(cni::kInternal, "Bridge interface " + c.bridge + " configured Promisc Mode " +
                                         (c.promisc ? "true" : "false") + " doesn't match current state");
  auto cl = cont.link(ifname);
  if (!cl) throw cni::Error(cni::kInternal, "CNI created interface in container " + ifname + " not found");
  if (cl->kind != "veth") throw cni::Error(cni::kInternal, "Error: Container interface " + ifname + " not of type veth");
  if (!cont_if->mac.empty() && cont_if->mac != cl->mac)
    throw cni::Error(cni::kInternal, "Interface " + ifname + " Mac " + cont_if->mac + " doesn't match container Mac: " + cl->mac);
  bool veth_found = false;
  for (const auto& i : prev.interfaces) {
    if (i.name == c.bridge || !i.sandbox.empty()) continue;
    auto l = host.link(i.name);
    if (!l || l->kind != "veth") continue;
    if (l->index == cl->peer && l->peer == cl->index && l->master == br->index) {
      if (!i.mac.empty() && i.mac != l->mac)
        throw cni::Error(cni::kInternal, "Interface " + i.name + " Mac doesn't match: " + i.mac + " not found");
      veth_found = true;
      break;
    }
  }
  if (!veth_found) throw cni::Error(cni::kInternal, "CNI veth created for bridge " + c.bridge + " was not found");
  cont.check(ifname, prev);
  if (c.ip_masq && !c.l2_only())
    masq_check(attachment(c, args), c.masq_backend == MasqBackend::kIptables, prev.ips);
}

void cmd_status(const cni::CmdArgs& args) {
  const BridgeConfig c = parse_config(args.conf, args.env.args);
  if (!c.l2_only()) cni::delegate_run("STATUS", c.ipam_type, args.stdin_data, args.env);
}

void cmd_gc(const cni::CmdArgs& args) {
  const BridgeConfig c = parse_config(args.conf, args.env.args);
  cni::gc_masq_and_ipam(args, c.ipam_type);
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace bridge
