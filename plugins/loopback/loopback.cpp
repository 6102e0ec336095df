// The loopback plugin: sets `lo` up in the container (containerd's CRI runs it for every
// pod) and reports its addresses, as the reference's plugins/main/loopback does. CNI_IFNAME
// is ignored: the link is always `lo`.
#include <optional>

#include "cni/net/container_link.hpp"
#include "cni/base/error.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/spec/skel.hpp"

namespace {

bool is_loopback(const cni::IpAddr& ip) {
  if (ip.is_v4()) return ip.data()[0] == 127;
  return ip == *cni::IpAddr::parse("::1");
}

cni::Link loopback_link(cni::Netlink& nl, const std::string& netns) {
  auto lo = nl.link("lo");
  if (!lo) throw cni::Error(cni::kInternal, "no \"lo\" link in netns " + netns);
  return *lo;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  cni::Netns ns = cni::open_container_netns(args.env.netns);
  cni::Netlink nl = cni::Netlink::open_in(ns);
  const cni::Link lo = loopback_link(nl, args.env.netns);
  nl.set_up(lo.index);
  // The kernel puts 127.0.0.1/8 and ::1 on lo when it comes up; anything else means this is
  // not the namespace the runtime thinks it is.
  std::optional<cni::Cidr> v4, v6;
  for (const auto& a : nl.addresses(lo.index)) {
    if (!is_loopback(a.cidr.ip))
      throw cni::Error(cni::kInternal, "loopback interface found with non-loopback address", a.cidr.str());
    auto& first = a.cidr.ip.is_v4() ? v4 : v6;
    if (!first) first = a.cidr;
  }
  if (args.conf.prev_result) return *args.conf.prev_result;  // in a chain: passed through
  cni::Result r;
  r.interfaces = {{"lo", "00:00:00:00:00:00", std::nullopt, args.env.netns}};
  for (const auto& a : {v4, v6})
    if (a) r.ips.push_back({*a, std::nullopt, 0});
  return r;
}

// An empty or vanished netns has no lo to take down. The skeleton has already refused a
// netns that is our own (the reference takes the host's lo down then: plugins#714).
void cmd_del(const cni::CmdArgs& args) {
  if (args.env.netns.empty()) return;
  auto ns = cni::Netns::try_open(args.env.netns);
  if (!ns) return;
  cni::Netlink nl = cni::Netlink::open_in(*ns);
  if (auto lo = nl.link("lo")) nl.set_up(lo->index, false);
}

void cmd_check(const cni::CmdArgs& args) {
  cni::Netns ns = cni::open_container_netns(args.env.netns);
  cni::Netlink nl = cni::Netlink::open_in(ns);
  if (!loopback_link(nl, args.env.netns).up) throw cni::Error(cni::kInternal, "loopback interface is down");
}

}  // namespace

int main() {
  return cni::plugin_main({"loopback", "sets the container's lo up"}, {cmd_add, cmd_del, cmd_check, {}, {}});
}
