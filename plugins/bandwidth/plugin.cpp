// bandwidth: policy only. Finds the host end of the container's veth, then shapes: traffic
// into the container with a TBF on that host veth, traffic out of it with a TBF on an ifb
// device its ingress is redirected to (cni/kernel/tc.hpp, over libnl-route-3). DEL removes the ifb
// by name; the host veth's qdiscs go with the veth.
#include "bandwidth.hpp"

#include <algorithm>

#include "cni/base/error.hpp"
#include "cni/kernel/link_settings.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/kernel/tc.hpp"
#include "config.hpp"

namespace bandwidth {
namespace {

// The host end of CNI_IFNAME's veth, which must also be an interface of prevResult's
// (outside any sandbox), as the reference requires.
cni::Link host_veth(const cni::CmdArgs& args, cni::Netlink& host) {
  const auto ns = cni::Netns::open(args.env.netns);
  auto inner = cni::Netlink::open_in(ns);
  auto c = inner.link(args.env.ifname);
  if (!c) throw cni::Error(cni::kInvalidEnvironment, "failed to find link \"" + args.env.ifname + "\" in netns " + args.env.netns);
  if (c->kind != "veth" || c->link <= 0)
    throw cni::Error(cni::kInvalidNetworkConfig, "container interface " + args.env.ifname + " has no veth peer",
                     "bandwidth shapes at the host end of a veth (bridge, ptp); it is a \"" + c->kind + "\" link");
  auto h = host.link(c->link);
  const auto& ifs = args.conf.prev_result->interfaces;
  if (!h || std::none_of(ifs.begin(), ifs.end(), [&](const cni::Interface& i) { return i.sandbox.empty() && i.name == h->name; }))
    throw cni::Error(cni::kInvalidNetworkConfig, "no veth peer of container interface " + args.env.ifname + " found in the host netns",
                     "the host end must be one of prevResult's interfaces");
  return *h;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const Limits l = parse_config(args.conf);
  if (l.none()) return args.conf.prev_result ? *args.conf.prev_result : cni::Result{};
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "must be called as chained plugin");
  cni::Result r = *args.conf.prev_result;
  auto nl = cni::Netlink::open();
  const cni::Link veth = host_veth(args, nl);
  const auto ifb = ifb_name(args.conf.name, args.env.container_id);
  // What this ADD made, so a failure takes back exactly that (a qdisc that was there
  // before, or an ifb of that name, is not ours to remove).
  bool made_tbf = false, made_ifb = false, made_redirect = false;
  try {
    if (l.shapes_ingress()) {
      cni::tc::add_root_tbf(veth.index, cni::tc::tbf_for(l.ingress_rate, l.ingress_burst));
      made_tbf = true;
    }
    if (l.shapes_egress()) {
      cni::create_ifb(nl, ifb, veth.mtu);
      made_ifb = true;
      auto dev = nl.link(ifb);
      if (!dev) throw cni::Error(cni::kInternal, "ifb device \"" + ifb + "\" vanished after it was created");
      cni::tc::add_ingress_redirect(veth.index, dev->index);
      made_redirect = true;
      cni::tc::add_root_tbf(dev->index, cni::tc::tbf_for(l.egress_rate, l.egress_burst));
      r.interfaces.push_back({ifb, cni::mac_str(dev->mac), std::nullopt, "", "", ""});
    }
  } catch (...) {
    try {
      if (made_ifb) nl.delete_link(ifb);
      if (made_tbf || made_redirect) cni::tc::clear(veth.index, made_tbf, made_redirect);
    } catch (...) {
    }
    throw;
  }
  return r;
}

void cmd_del(const cni::CmdArgs& args) {
  parse_config(args.conf);
  auto nl = cni::Netlink::open();
  nl.delete_link(ifb_name(args.conf.name, args.env.container_id));
}

void cmd_check(const cni::CmdArgs& args) {
  const Limits l = parse_config(args.conf);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "must be called as chained plugin");
  if (l.none()) return;
  auto nl = cni::Netlink::open();
  const cni::Link veth = host_veth(args, nl);
  auto expect = [](int index, const std::string& dev, uint64_t rate, uint64_t burst) {
    const auto want = cni::tc::state_of(cni::tc::tbf_for(rate, burst));
    auto have = cni::tc::root_tbf(index);
    if (!have) throw cni::Error(cni::kInternal, "no TBF qdisc on " + dev);
    if (!(*have == want))
      throw cni::Error(cni::kInternal, "the TBF qdisc on " + dev + " does not match the config",
                       "rate " + std::to_string(have->rate) + " B/s, limit " + std::to_string(have->limit) + " B, bucket " +
                           std::to_string(have->bucket) + " B; configured " + std::to_string(want.rate) + ", " +
                           std::to_string(want.limit) + ", " + std::to_string(want.bucket));
  };
  if (l.shapes_ingress()) expect(veth.index, veth.name, l.ingress_rate, l.ingress_burst);
  if (l.shapes_egress()) {
    const auto ifb = ifb_name(args.conf.name, args.env.container_id);
    auto dev = nl.link(ifb);
    if (!dev) throw cni::Error(cni::kInternal, "ifb device \"" + ifb + "\" is missing");
    expect(dev->index, ifb, l.egress_rate, l.egress_burst);
  }
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, {}, {}}; }

}  // namespace bandwidth
