// The bridge's kernel adapter over libcni (Netns, Netlink, sysctl, masq). Mechanism lives
// in libcni; this file only maps the bridge's vocabulary onto it.
#include "kernel.hpp"

#include <linux/if_link.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

#include "cni/net/container_link.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/net/iface.hpp"
#include "cni/net/masq.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/kernel/sysctl.hpp"
#include "cni/kernel/veth.hpp"

namespace bridge {

namespace {

LinkState state_of(const cni::Link& l) {
  LinkState s;
  s.index = l.index;
  s.name = l.name;
  s.kind = l.kind;
  s.mac = cni::mac_str(l.mac);
  s.master = l.master;
  s.peer = l.link;
  s.promisc = l.promisc;
  s.oper_up = l.oper_up;
  return s;
}

std::optional<LinkState> state_of(const std::optional<cni::Link>& l) {
  if (!l) return std::nullopt;
  return state_of(*l);
}

void best_effort_sysctl(const std::string& key, const std::string& value) {
  try {
    cni::sysctl_write(key, value);
  } catch (const cni::Error&) {
  }
}

std::vector<cni::Cidr> cidrs(const std::vector<cni::IpConfig>& ips) {
  std::vector<cni::Cidr> out;
  for (const auto& ip : ips) out.push_back(ip.address);
  return out;
}

cni::Attachment lib(const Attachment& a) { return {a.network, a.container_id, a.ifname}; }

}  // namespace

struct Container::Impl {
  cni::Netns ns;
  cni::Netlink nl;
  explicit Impl(cni::Netns n) : ns(std::move(n)), nl(cni::Netlink::open_in(ns)) {}
};

struct Host::Impl {
  cni::Netns ns = cni::Netns::current();
  cni::Netlink nl = cni::Netlink::open();
};

Host::Host() : impl_(std::make_unique<Impl>()) {}
Host::~Host() = default;

std::optional<LinkState> Host::link(const std::string& name) { return state_of(impl_->nl.link(name)); }
std::optional<LinkState> Host::link(int index) { return state_of(impl_->nl.link(index)); }

LinkState Host::ensure_bridge(const std::string& name, int mtu, bool promisc, bool vlan_filtering) {
  auto& nl = impl_->nl;
  nl.create_bridge(name, mtu, vlan_filtering);
  auto br = nl.link(name);
  if (!br) throw cni::Error(cni::kInternal, "bridge \"" + name + "\" vanished after creation");
  if (br->kind != "bridge")
    throw cni::Error(cni::kInvalidNetworkConfig, "\"" + name + "\" already exists but is not a bridge",
                     "link kind is \"" + br->kind + "\"");
  // A bridge we create is given its MAC at creation (Netlink::create_bridge), so it stays as
  // ports come and go; ensure_gateway_addr pins an existing bridge's too, for gateways.
  if (promisc && !br->promisc) nl.set_promisc(br->index, true);
  best_effort_sysctl("net/ipv6/conf/" + name + "/accept_ra", "0");
  if (!br->up) nl.set_up(br->index);
  return state_of(*nl.link(br->index));
}

LinkState Host::create_veth(const Container& c, const std::string& ifname, const std::string& mac, int mtu) {
  std::optional<cni::Mac> m;
  if (!mac.empty()) m = cni::mac_parse(mac);
  return state_of(cni::create_veth_pair(c.impl().nl, impl_->nl, impl_->ns, ifname, mtu, m).host);
}

void Host::delete_link(int index) { impl_->nl.delete_link(index); }

void Host::attach_port(const LinkState& port, const LinkState& br, bool hairpin, bool isolated) {
  auto& nl = impl_->nl;
  nl.set_up(port.index);
  best_effort_sysctl("net/ipv6/conf/" + port.name + "/accept_ra", "0");
  nl.set_master(port.index, br.index);
  if (hairpin || isolated) nl.set_bridge_port(port.index, hairpin ? std::optional<bool>(true) : std::nullopt,
                                              isolated ? std::optional<bool>(true) : std::nullopt);
}

void Host::set_port_vlans(const LinkState& port, int pvid, const std::vector<int>& trunk, bool preserve_default) {
  auto& nl = impl_->nl;
  if (!preserve_default)
    for (const auto& v : nl.bridge_vlans(port.index)) nl.bridge_vlan_del(port.index, v.vid);
  if (pvid) nl.bridge_vlan_add(port.index, {pvid, true, true});
  for (int vid : trunk) nl.bridge_vlan_add(port.index, {vid, false, false});
}

void Host::ensure_gateway_addr(const LinkState& br, const cni::Cidr& gw, bool force) {
  auto& nl = impl_->nl;
  const int family = gw.ip.is_v4() ? AF_INET : AF_INET6;
  for (const auto& a : nl.addresses(br.index, family)) {
    if (a.cidr == gw) return;
    if (a.scope != 0) continue;  // link-local IPv6 and the like
    // IPv6 addresses may coexist when their subnets differ; IPv4 gets one address.
    if (family == AF_INET6 && !a.cidr.network().overlaps(gw.network())) continue;
    if (!force)
      throw cni::Error(cni::kInternal, "\"" + br.name + "\" already has an IP address different from " + gw.str(),
                       "has " + a.cidr.str() + "; set forceAddress to replace it");
    nl.del_address(br.index, a.cidr);
  }
  // Concurrent ADDs on a new bridge all see it without the address: the losers' EEXIST is
  // the same address, put there by a sibling, and fine.
  nl.add_address(br.index, gw, family == AF_INET6, /*exist_ok=*/true);
  // Pin the bridge's MAC to its current value; otherwise the kernel gives it the lowest
  // port MAC, which changes as containers come and go (and the gateway's ARP entries with it).
  // Under a lock per bridge: two ADDs on a bridge we did not create could each read a
  // different lowest port MAC and pin them one after the other, and the first one's result
  // would name a MAC the bridge no longer has. Once pinned, the kernel keeps it, so every
  // later holder of the lock reads and re-pins the same value.
  cni::FileLock pin("/run/cnipp-bridge-" + br.name + ".lock");
  if (auto now = nl.link(br.index); now && now->mac != cni::Mac{}) nl.set_mac(br.index, now->mac);
}

void Host::enable_forwarding(int family) { cni::enable_forwarding(family); }

void Host::wait_oper_up(int index) {
  // The reference retries after 0, 50, 500, 1000, 1000 ms; a veth whose peer is up is
  // usually up at once, so poll finely and give up after the same total.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2550);
  for (;;) {
    auto l = impl_->nl.link(index);
    if (!l) throw cni::Error(cni::kInternal, "bridge port " + std::to_string(index) + " vanished");
    if (l->oper_up) return;
    if (std::chrono::steady_clock::now() > deadline) throw cni::Error(cni::kInternal, "bridge port in error state");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Container::Container(const std::string& path)
    : path_(path), impl_(std::make_unique<Impl>(cni::open_container_netns(path))) {}
Container::~Container() = default;

std::optional<LinkState> Container::link(const std::string& name) { return state_of(impl_->nl.link(name)); }

void Container::set_up(const std::string& name) {
  auto l = impl_->nl.link(name);
  if (!l) throw cni::Error(cni::kInternal, "link \"" + name + "\" not found in " + path_);
  impl_->nl.set_up(l->index);
}

void Container::configure(const std::string& ifname, const cni::Result& r, bool enable_dad) {
  cni::IfaceOptions o;
  o.enable_dad = enable_dad;
  o.interface_index = 2;
  cni::configure_iface(impl_->ns, impl_->nl, ifname, r, o);
}

bool Container::delete_link(const std::string& name) { return impl_->nl.delete_link(name); }

void Container::check(const std::string& ifname, const cni::Result& r) { cni::check_iface(impl_->nl, ifname, r, 2); }

void masq_add(const Attachment& a, bool iptables, const std::vector<cni::IpConfig>& ips) {
  cni::masq_add(iptables ? cni::MasqBackend::iptables : cni::MasqBackend::nftables, lib(a), cidrs(ips));
}

void masq_del(const Attachment& a) { cni::masq_del(lib(a)); }

void masq_check(const Attachment& a, bool iptables, const std::vector<cni::IpConfig>& ips) {
  if (!cni::masq_present(iptables ? cni::MasqBackend::iptables : cni::MasqBackend::nftables, lib(a), cidrs(ips)))
    throw cni::Error(cni::kInternal, "masquerade rules for container " + a.container_id + " on " + a.ifname + " are missing");
}

void spoofcheck_add(const Attachment& a, const std::string& host_veth, const std::string& mac) {
  auto m = cni::mac_parse(mac);
  if (!m) throw cni::Error(cni::kInternal, "container MAC \"" + mac + "\" cannot be parsed");
  cni::spoofcheck_add(lib(a), host_veth, *m);
}

void spoofcheck_del(const Attachment& a) { cni::spoofcheck_del(lib(a)); }

}  // namespace bridge
