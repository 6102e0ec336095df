#include "vtep.hpp"

#include <sys/socket.h>

#include "cni/base/error.hpp"
#include "lease.hpp"

namespace overlay {

std::string vxlan_device_name(uint32_t vni) { return "cnipp." + std::to_string(vni); }

Underlay find_underlay(cni::Netlink& nl, const cni::IpAddr& ip) {
  for (const auto& l : nl.links())
    for (const auto& a : nl.addresses(l.index, AF_INET))
      if (a.cidr.ip == ip) return {l.index, l.name, l.mtu};
  throw cni::Error(cni::kInvalidNetworkConfig, "the underlay address " + ip.str() + " is not assigned to any interface");
}

namespace {
bool identity_matches(const cni::Link& l, const VtepSpec& s) {
  return l.kind == "vxlan" && l.vxlan && l.vxlan->vni == s.vni && l.vxlan->port == s.port &&
         l.vxlan->local == s.local && l.vxlan->lower_index == s.underlay.index && !l.vxlan->learning;
}
}  // namespace

int ensure_vtep(cni::Netlink& nl, const VtepSpec& s, void (*log)(const std::string&)) {
  const cni::Mac mac = vtep_mac_for(s.local);
  auto link = nl.link(s.name);
  if (link && !identity_matches(*link, s)) {
    log("recreating " + s.name + ": its VNI, port, local address or lower device differ from the network's");
    nl.delete_link(link->index);
    link.reset();
  }
  if (!link) {
    nl.create_vxlan(s.name, {s.vni, s.local, s.port, s.underlay.index, s.mtu(), mac});
    log("created " + s.name + " (VNI " + std::to_string(s.vni) + ", port " + std::to_string(s.port) + ", local " +
        s.local.str() + " on " + s.underlay.name + ", MTU " + std::to_string(s.mtu()) + ")");
    link = nl.link(s.name);
    if (!link) throw cni::Error(cni::kInternal, "created " + s.name + " but cannot find it");
  }
  if (link->mtu != s.mtu()) nl.set_mtu(link->index, s.mtu());
  if (link->mac != mac) nl.set_mac(link->index, mac);
  const cni::Cidr own{s.subnet.ip, 32};
  bool have = false;
  for (const auto& a : nl.addresses(link->index, AF_INET)) {
    if (a.cidr == own) have = true;
    else nl.del_address(link->index, a.cidr);  // a subnet this agent no longer holds
  }
  if (!have) nl.add_address(link->index, own, false, true);
  if (!link->up) nl.set_up(link->index);
  return link->index;
}

}  // namespace overlay
