// This agent's VXLAN endpoint: the device the overlay's traffic leaves and arrives by.
// Created once and kept across daemon restarts (its MAC is derived from the underlay
// address, so peers' FDB rows stay right); recreated only when its identity (VNI, port,
// local address, lower device) no longer matches the network.
#pragma once

#include <string>

#include "cni/base/ip.hpp"
#include "cni/kernel/netlink.hpp"
#include "network.hpp"

namespace overlay {

inline constexpr int kVxlanOverhead = 50;  // outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14

// "cnipp.<vni>" (flannel's is flannel.<vni>): one device per VNI and host.
std::string vxlan_device_name(uint32_t vni);

struct Underlay {
  int index = 0;
  std::string name;
  int mtu = 0;
};
// The link that holds `ip`. Throws cni::Error when no link does.
Underlay find_underlay(cni::Netlink& nl, const cni::IpAddr& ip);

struct VtepSpec {
  std::string name;
  uint32_t vni = 0;
  int port = 0;
  cni::IpAddr local;
  Underlay underlay;
  cni::Cidr subnet;  // this agent's lease: its network address goes on the device as a /32
  int mtu() const { return underlay.mtu - kVxlanOverhead; }
};

// Makes the device match `spec`: created if missing, recreated if its identity differs,
// MTU, MAC and up fixed in place, the /32 address set and any other IPv4 address removed.
// Returns the device's index. Logs what it changed through `log`.
int ensure_vtep(cni::Netlink& nl, const VtepSpec& spec, void (*log)(const std::string&));

}  // namespace overlay
