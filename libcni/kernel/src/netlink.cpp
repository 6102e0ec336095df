// The rtnetlink transport and requests. Message layout for a link request:
//
//   nlmsghdr | ifinfomsg | IFLA_IFNAME | IFLA_MTU | IFLA_LINKINFO { IFLA_INFO_KIND,
//                                                                   IFLA_INFO_DATA { ... } }
//
// Every request carries NLM_F_ACK; the reply is read until its ACK (or error) arrives, and
// the error's extended-ACK message (NLMSGERR_ATTR_MSG) becomes the Error's details.
#include "cni/kernel/netlink.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "cni/base/error.hpp"
#include "cni/kernel/netns.hpp"
#include "netlink_ack.hpp"
#include "netlink_raw.hpp"

namespace cni {

std::string mac_str(const Mac& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

std::optional<Mac> mac_parse(const std::string& s) {
  Mac m{};
  if (s.size() != 17) return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    if (i < 5 && s[static_cast<size_t>(i * 3 + 2)] != ':') return std::nullopt;
    unsigned v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = s[static_cast<size_t>(i * 3 + k)];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
    }
    m[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
  }
  return m;
}

bool Address::tentative() const { return flags & IFA_F_TENTATIVE; }
bool Address::dad_failed() const { return flags & IFA_F_DADFAILED; }

std::string random_veth_name() {
  uint32_t r = 0;
  if (getrandom(&r, sizeof r, 0) != sizeof r) r = static_cast<uint32_t>(getpid()) * 2654435761u;
  char buf[16];
  std::snprintf(buf, sizeof buf, "veth%08x", r);
  return buf;
}

namespace detail {
mnl_socket* open_netlink_socket(int protocol, const std::string& what) {
  mnl_socket* s = mnl_socket_open2(protocol, SOCK_CLOEXEC);
  if (!s) throw io_error("failed to open " + what + " netlink socket", errno);
  int one = 1;
  // Both are best effort: older kernels lack them and we still work without the text.
  mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof one);
  mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof one);
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    int e = errno;
    mnl_socket_close(s);
    throw io_error("failed to bind " + what + " netlink socket", e);
  }
  return s;
}

bool DumpRetry::again() {
  if (std::chrono::steady_clock::now() >= deadline_) return false;
  if (restarts_++ > 0) {
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) r = static_cast<uint32_t>(getpid());
    const uint32_t cap_us = std::min<uint32_t>(20000, 500u << std::min(restarts_, 6));
    const timespec pause{0, static_cast<long>(cap_us / 2 + r % (cap_us / 2)) * 1000};
    nanosleep(&pause, nullptr);
  }
  return true;
}

void throw_dump_interrupted(const std::string& what) {
  throw Error(kTryAgainLater, what + ": the kernel kept interrupting the dump for " +
                                  std::to_string(kDumpRetryDeadline.count()) + " s (the table changed while it was read)");
}

void netfilter_dump(mnl_socket* sock, nlmsghdr* req, const std::function<void(const nlmsghdr*)>& on_msg,
                    const std::string& what) {
  for (DumpRetry retry; retry.again();) {
    if (mnl_socket_sendto(sock, req, req->nlmsg_len) < 0) throw io_error(what, errno);
    // The kernel fills a dump part up to the reader's buffer (32 KiB at most): the fewer the
    // parts, the fewer chances a concurrent commit has to interrupt the dump.
    NetlinkBuffer buf(32768);
    std::vector<std::vector<char>> msgs;
    bool intr = false;
    for (bool done = false; !done;) {
      ssize_t n = mnl_socket_recvfrom(sock, buf.data(), buf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        throw io_error(what, errno);
      }
      int len = static_cast<int>(n);
      for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
        if (m->nlmsg_flags & NLM_F_DUMP_INTR) intr = true;
        if (m->nlmsg_type == NLMSG_DONE) {
          done = true;
          break;
        }
        if (m->nlmsg_type == NLMSG_ERROR) {
          const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m));
          if (err->error == -ENOENT || err->error == -EOPNOTSUPP) return;
          if (err->error != 0) throw Error(kIoFailure, what + ": " + std::strerror(-err->error), netlink_ext_ack(m));
          done = true;
          break;
        }
        msgs.emplace_back(reinterpret_cast<char*>(m), reinterpret_cast<char*>(m) + m->nlmsg_len);
      }
    }
    if (intr) continue;
    for (const auto& m : msgs) on_msg(reinterpret_cast<const nlmsghdr*>(m.data()));
    return;
  }
  throw_dump_interrupted(what);
}

std::string netlink_ext_ack(const nlmsghdr* nlh) {
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return {};
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  const char* p = static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + offset;
  const char* end = reinterpret_cast<const char*>(nlh) + nlh->nlmsg_len;
  while (p + sizeof(nlattr) <= end) {
    const auto* a = reinterpret_cast<const nlattr*>(p);
    if (a->nla_len < sizeof(nlattr) || p + a->nla_len > end) break;
    if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      const auto* text = static_cast<const char*>(mnl_attr_get_payload(a));
      return std::string(text, strnlen(text, mnl_attr_get_payload_len(a)));
    }
    p += MNL_ALIGN(a->nla_len);
  }
  return {};
}
}  // namespace detail

namespace {

constexpr size_t kBufSize = 32768;

using Request = detail::RtnlMessage;  // one request under construction, in a stack buffer

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

struct Netlink::Impl {
  mnl_socket* sock = nullptr;
  uint32_t portid = 0;
  uint32_t seq = 0;
  detail::NetlinkBuffer rbuf{kBufSize};

  ~Impl() {
    if (sock) mnl_socket_close(sock);
  }

  void init() {
    sock = detail::open_netlink_socket(NETLINK_ROUTE, "rtnetlink");
    portid = mnl_socket_get_portid(sock);
  }

  // Sends one request and reads until its ACK. Returns 0 or the kernel's errno; the
  // extended-ACK text (if any) goes to *ack_msg. Data messages go to on_msg.
  int transact(nlmsghdr* nlh, const std::function<void(const nlmsghdr*)>& on_msg, std::string* ack_msg,
               bool* interrupted = nullptr) {
    // NLM_F_DUMP shares bits with NLM_F_CREATE/EXCL, so a dump is recognised by its type
    // (a GET) as well as its flags.
    const bool dump = (nlh->nlmsg_type % 4 == 2) && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    if (!dump) nlh->nlmsg_flags |= NLM_F_ACK;
    nlh->nlmsg_seq = ++seq;
    if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0) return errno;
    for (;;) {
      ssize_t n = mnl_socket_recvfrom(sock, rbuf.data(), rbuf.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      auto* msg = reinterpret_cast<nlmsghdr*>(rbuf.data());
      int len = static_cast<int>(n);
      for (; mnl_nlmsg_ok(msg, len); msg = mnl_nlmsg_next(msg, &len)) {
        if (msg->nlmsg_seq != nlh->nlmsg_seq || msg->nlmsg_pid != portid) continue;  // not ours
        if (interrupted && (msg->nlmsg_flags & NLM_F_DUMP_INTR)) *interrupted = true;
        if (msg->nlmsg_type == NLMSG_ERROR) {
          const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(msg));
          if (err->error != 0 && ack_msg) *ack_msg = detail::netlink_ext_ack(msg);
          return -err->error;
        }
        if (msg->nlmsg_type == NLMSG_DONE) {
          int e = 0;
          if (msg->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) std::memcpy(&e, mnl_nlmsg_get_payload(msg), sizeof e);
          return e < 0 ? -e : 0;
        }
        if (on_msg) on_msg(msg);
      }
    }
  }

  // A request that must succeed: errors become cni::Error naming `what`.
  void must(nlmsghdr* nlh, const std::string& what, const std::function<void(const nlmsghdr*)>& on_msg = {}) {
    std::string ack;
    int e = transact(nlh, on_msg, &ack);
    if (e != 0) throw Error(kInternal, what + ": " + errno_text(e), ack.empty() ? "" : "kernel: " + ack);
  }

  // A dump, restarted (paced, until a deadline) when the kernel says the data changed under it.
  void dump(const std::function<void(Request&)>& build, const std::function<void(const nlmsghdr*)>& on_msg,
            const std::string& what) {
    for (detail::DumpRetry retry; retry.again();) {
      std::vector<std::vector<char>> msgs;
      Request req(0, NLM_F_DUMP);
      build(req);
      bool intr = false;
      std::string ack;
      int e = transact(req.nlh, [&](const nlmsghdr* m) {
        msgs.emplace_back(reinterpret_cast<const char*>(m), reinterpret_cast<const char*>(m) + m->nlmsg_len);
      }, &ack, &intr);
      if (e == EINTR || intr) continue;
      if (e != 0) throw Error(kInternal, what + ": " + errno_text(e), ack.empty() ? "" : "kernel: " + ack);
      for (const auto& m : msgs) on_msg(reinterpret_cast<const nlmsghdr*>(m.data()));
      return;
    }
    detail::throw_dump_interrupted(what);
  }
};

namespace {

void parse_vxlan_info(const nlattr* data, Link& l) {
  l.vxlan = VxlanInfo{};
  mnl_attr_parse_nested(data, [](const nlattr* c, void* d) -> int {
    auto& v = *static_cast<VxlanInfo*>(d);
    const auto len = mnl_attr_get_payload_len(c);
    switch (mnl_attr_get_type(c)) {
      case IFLA_VXLAN_ID: v.vni = mnl_attr_get_u32(c); break;
      case IFLA_VXLAN_LOCAL:
        if (len == 4) v.local = IpAddr::from_bytes(static_cast<const uint8_t*>(mnl_attr_get_payload(c)), AF_INET);
        break;
      case IFLA_VXLAN_PORT: v.port = ntohs(mnl_attr_get_u16(c)); break;
      case IFLA_VXLAN_LINK: v.lower_index = static_cast<int>(mnl_attr_get_u32(c)); break;
      case IFLA_VXLAN_LEARNING: v.learning = mnl_attr_get_u8(c) != 0; break;
      default: break;
    }
    return MNL_CB_OK;
  }, &*l.vxlan);
}

Link parse_link(const nlmsghdr* nlh) {
  Link l;
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  l.index = ifi->ifi_index;
  l.up = ifi->ifi_flags & IFF_UP;
  l.promisc = ifi->ifi_flags & IFF_PROMISC;
  l.allmulti = ifi->ifi_flags & IFF_ALLMULTI;
  struct Ctx {
    Link* l;
  } ctx{&l};
  mnl_attr_parse(nlh, sizeof(ifinfomsg), [](const nlattr* a, void* data) -> int {
    Link& l = *static_cast<Ctx*>(data)->l;
    switch (mnl_attr_get_type(a)) {
      case IFLA_IFNAME: l.name = mnl_attr_get_str(a); break;
      case IFLA_ADDRESS:
        if (mnl_attr_get_payload_len(a) == 6) std::memcpy(l.mac.data(), mnl_attr_get_payload(a), 6);
        break;
      case IFLA_MTU: l.mtu = static_cast<int>(mnl_attr_get_u32(a)); break;
      case IFLA_TXQLEN: l.txqlen = static_cast<int>(mnl_attr_get_u32(a)); break;
      case IFLA_MASTER: l.master = static_cast<int>(mnl_attr_get_u32(a)); break;
      case IFLA_LINK: l.link = static_cast<int>(mnl_attr_get_u32(a)); break;
      case IFLA_LINK_NETNSID: l.has_link_netnsid = true; break;
      case IFLA_OPERSTATE: l.oper_up = mnl_attr_get_u8(a) == IF_OPER_UP; break;
      case IFLA_IFALIAS: l.alias = mnl_attr_get_str(a); break;
      case IFLA_LINKINFO:
        mnl_attr_parse_nested(a, [](const nlattr* b, void* d) -> int {
          Link& l = *static_cast<Ctx*>(d)->l;
          if (mnl_attr_get_type(b) == IFLA_INFO_KIND) l.kind = mnl_attr_get_str(b);
          // IFLA_INFO_KIND precedes IFLA_INFO_DATA in the kernel's messages.
          if (mnl_attr_get_type(b) == IFLA_INFO_DATA) {
            mnl_attr_parse_nested(b, [](const nlattr* c, void* dd) -> int {
              Link& l = *static_cast<Ctx*>(dd)->l;
              const auto t = mnl_attr_get_type(c);
              if (l.kind == "ipvlan" && t == IFLA_IPVLAN_MODE) l.ipvlan_mode = mnl_attr_get_u16(c);
              if (l.kind == "macvlan" && t == IFLA_MACVLAN_MODE) l.macvlan_mode = static_cast<int>(mnl_attr_get_u32(c));
              if (l.kind == "vlan" && t == IFLA_VLAN_ID) l.vlan_id = mnl_attr_get_u16(c);
              return MNL_CB_OK;
            }, d);
          }
          if (mnl_attr_get_type(b) == IFLA_INFO_DATA && l.kind == "vxlan") parse_vxlan_info(b, l);
          return MNL_CB_OK;
        }, data);
        break;
      default: break;
    }
    return MNL_CB_OK;
  }, &ctx);
  return l;
}

void put_addr(Request& r, uint16_t type, const IpAddr& ip) { r.bytes(type, ip.data(), ip.size()); }

}  // namespace

Netlink::Netlink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Netlink::Netlink(Netlink&&) noexcept = default;
Netlink& Netlink::operator=(Netlink&&) noexcept = default;
Netlink::~Netlink() = default;

Netlink Netlink::open() {
  auto impl = std::make_unique<Impl>();
  impl->init();
  return Netlink(std::move(impl));
}

Netlink Netlink::open_in(const Netns& netns) {
  // A netlink socket stays bound to the namespace it was created in: enter, open, leave.
  return netns.run_in([] { return open(); });
}

std::optional<Link> Netlink::link(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) return std::nullopt;
  Request r(RTM_GETLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  r.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::optional<Link> out;
  std::string ack;
  int e = impl_->transact(r.nlh, [&](const nlmsghdr* m) { if (m->nlmsg_type == RTM_NEWLINK) out = parse_link(m); }, &ack);
  if (e == ENODEV) return std::nullopt;
  if (e != 0) throw Error(kInternal, "failed to look up link \"" + name + "\": " + errno_text(e), ack);
  return out;
}

std::optional<Link> Netlink::link(int index) {
  Request r(RTM_GETLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  r.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  std::optional<Link> out;
  std::string ack;
  int e = impl_->transact(r.nlh, [&](const nlmsghdr* m) { if (m->nlmsg_type == RTM_NEWLINK) out = parse_link(m); }, &ack);
  if (e == ENODEV) return std::nullopt;
  if (e != 0) throw Error(kInternal, "failed to look up link " + std::to_string(index) + ": " + errno_text(e), ack);
  return out;
}

std::vector<Link> Netlink::links() {
  std::vector<Link> out;
  impl_->dump([](Request& r) {
    r.nlh->nlmsg_type = RTM_GETLINK;
    r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  }, [&](const nlmsghdr* m) { if (m->nlmsg_type == RTM_NEWLINK) out.push_back(parse_link(m)); }, "failed to list links");
  return out;
}

bool Netlink::create_bridge(const std::string& name, int mtu, bool vlan_filtering) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  // A bridge whose MAC the kernel chose follows its lowest port's MAC, so it changes as
  // containers come and go: their ARP entries for the gateway go stale, and CHECK of an
  // earlier attachment sees another bridge MAC. A MAC given at creation stays. Random,
  // unicast, locally administered.
  Mac mac{};
  if (getrandom(mac.data(), mac.size(), 0) != static_cast<ssize_t>(mac.size())) mac = {0, 0x16, 0x3e, 0, 0, 1};
  mac[0] = static_cast<uint8_t>((mac[0] & 0xfe) | 0x02);
  r.bytes(IFLA_ADDRESS, mac.data(), mac.size());
  if (mtu > 0) r.u32(IFLA_MTU, static_cast<uint32_t>(mtu));
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "bridge");
  if (vlan_filtering) {
    auto* data = r.nest(IFLA_INFO_DATA);
    r.u8(IFLA_BR_VLAN_FILTERING, 1);
    r.end(data);
  }
  r.end(info);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == EEXIST) return false;
  if (e != 0)
    throw Error(kInternal, "failed to create bridge \"" + name + "\": " + errno_text(e), ack.empty() ? "" : "kernel: " + ack);
  return true;
}

void Netlink::create_veth(const std::string& name, const std::string& peer_name, int peer_netns_fd, int mtu,
                          const std::optional<Mac>& mac) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  if (mtu > 0) r.u32(IFLA_MTU, static_cast<uint32_t>(mtu));
  if (mac) r.bytes(IFLA_ADDRESS, mac->data(), 6);
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "veth");
  auto* data = r.nest(IFLA_INFO_DATA);
  auto* peer = r.nest(VETH_INFO_PEER);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;  // the peer's own ifinfomsg
  r.str(IFLA_IFNAME, peer_name);
  if (mtu > 0) r.u32(IFLA_MTU, static_cast<uint32_t>(mtu));
  if (peer_netns_fd >= 0) r.u32(IFLA_NET_NS_FD, static_cast<uint32_t>(peer_netns_fd));
  r.end(peer);
  r.end(data);
  r.end(info);
  impl_->must(r.nlh, "failed to create veth \"" + name + "\" (peer \"" + peer_name + "\")");
}

void Netlink::create_ipvlan(const std::string& name, int master_index, IpvlanMode mode, int mtu, int target_netns_fd) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  r.u32(IFLA_LINK, static_cast<uint32_t>(master_index));
  if (mtu > 0) r.u32(IFLA_MTU, static_cast<uint32_t>(mtu));
  if (target_netns_fd >= 0) r.u32(IFLA_NET_NS_FD, static_cast<uint32_t>(target_netns_fd));
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "ipvlan");
  auto* data = r.nest(IFLA_INFO_DATA);
  r.u16(IFLA_IPVLAN_MODE, static_cast<uint16_t>(mode));
  r.end(data);
  r.end(info);
  impl_->must(r.nlh, "failed to create ipvlan \"" + name + "\"");
}

void Netlink::create_dummy(const std::string& name) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "dummy");
  r.end(info);
  impl_->must(r.nlh, "failed to create dummy \"" + name + "\"");
}

void Netlink::create_vlan(const std::string& name, int parent_index, int vid) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  r.u32(IFLA_LINK, static_cast<uint32_t>(parent_index));
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "vlan");
  auto* data = r.nest(IFLA_INFO_DATA);
  r.u16(IFLA_VLAN_ID, static_cast<uint16_t>(vid));
  r.end(data);
  r.end(info);
  impl_->must(r.nlh, "failed to create vlan \"" + name + "\"");
}

bool Netlink::delete_link(int index) {
  Request r(RTM_DELLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == ENODEV) return false;
  if (e != 0) throw Error(kInternal, "failed to delete link " + std::to_string(index) + ": " + errno_text(e), ack);
  return true;
}

bool Netlink::delete_link(const std::string& name) {
  Request r(RTM_DELLINK, 0);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == ENODEV) return false;
  if (e != 0) throw Error(kInternal, "failed to delete link \"" + name + "\": " + errno_text(e), ack);
  return true;
}

namespace {
Request setlink(int index) {
  Request r(RTM_NEWLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return r;
}
}  // namespace

void Netlink::rename(int index, const std::string& name) {
  auto r = setlink(index);
  r.str(IFLA_IFNAME, name);
  impl_->must(r.nlh, "failed to rename link " + std::to_string(index) + " to \"" + name + "\"");
}

void Netlink::set_up(int index, bool up) {
  auto r = setlink(index);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(r.nlh));
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  impl_->must(r.nlh, std::string("failed to set link ") + std::to_string(index) + (up ? " up" : " down"));
}

void Netlink::set_master(int index, int master_index) {
  auto r = setlink(index);
  r.u32(IFLA_MASTER, static_cast<uint32_t>(master_index));
  impl_->must(r.nlh, "failed to attach link " + std::to_string(index) + " to master " + std::to_string(master_index));
}

void Netlink::set_mtu(int index, int mtu) {
  auto r = setlink(index);
  r.u32(IFLA_MTU, static_cast<uint32_t>(mtu));
  impl_->must(r.nlh, "failed to set MTU " + std::to_string(mtu) + " on link " + std::to_string(index));
}

void Netlink::set_mac(int index, const Mac& mac) {
  auto r = setlink(index);
  r.bytes(IFLA_ADDRESS, mac.data(), 6);
  impl_->must(r.nlh, "failed to set MAC " + mac_str(mac) + " on link " + std::to_string(index));
}

void Netlink::set_promisc(int index, bool on) {
  auto r = setlink(index);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(r.nlh));
  ifi->ifi_change = IFF_PROMISC;
  ifi->ifi_flags = on ? IFF_PROMISC : 0;
  impl_->must(r.nlh, "failed to set promiscuous mode on link " + std::to_string(index));
}

void Netlink::set_bridge_port(int index, std::optional<bool> hairpin, std::optional<bool> isolated) {
  if (!hairpin && !isolated) return;
  // AF_BRIDGE port attributes go through RTM_SETLINK (rtnl_bridge_setlink); RTM_NEWLINK
  // would accept and ignore them.
  Request r(RTM_SETLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  auto* prot = mnl_attr_nest_start(r.nlh, IFLA_PROTINFO | NLA_F_NESTED);
  if (hairpin) r.u8(IFLA_BRPORT_MODE, *hairpin ? 1 : 0);
  if (isolated) r.u8(IFLA_BRPORT_ISOLATED, *isolated ? 1 : 0);
  r.end(prot);
  impl_->must(r.nlh, "failed to set bridge port flags on link " + std::to_string(index));
}

std::optional<bool> Netlink::bridge_port_flag(int index, int brport_attr) {
  std::optional<bool> out;
  struct Ctx {
    int index, attr;
    std::optional<bool>* out;
  } ctx{index, brport_attr, &out};
  impl_->dump([](Request& r) {
    r.nlh->nlmsg_type = RTM_GETLINK;
    r.header<ifinfomsg>()->ifi_family = AF_BRIDGE;
  }, [&](const nlmsghdr* m) {
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(m));
    if (ifi->ifi_index != ctx.index) return;
    mnl_attr_parse(m, sizeof(ifinfomsg), [](const nlattr* a, void* d) -> int {
      if (mnl_attr_get_type(a) != IFLA_PROTINFO) return MNL_CB_OK;
      mnl_attr_parse_nested(a, [](const nlattr* b, void* dd) -> int {
        auto* c = static_cast<Ctx*>(dd);
        if (mnl_attr_get_type(b) == c->attr) *c->out = mnl_attr_get_u8(b) != 0;
        return MNL_CB_OK;
      }, d);
      return MNL_CB_OK;
    }, &ctx);
  }, "failed to read bridge port flags");
  return out;
}

void Netlink::bridge_vlan_add(int index, const BridgeVlan& v) {
  Request r(RTM_SETLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  auto* spec = r.nest(IFLA_AF_SPEC);
  bridge_vlan_info info{};
  info.vid = static_cast<uint16_t>(v.vid);
  if (v.pvid) info.flags |= BRIDGE_VLAN_INFO_PVID;
  if (v.untagged) info.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
  r.bytes(IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
  r.end(spec);
  impl_->must(r.nlh, "failed to add VLAN " + std::to_string(v.vid) + " to port " + std::to_string(index));
}

void Netlink::bridge_vlan_del(int index, int vid) {
  Request r(RTM_DELLINK, 0);
  auto* ifi = r.header<ifinfomsg>();
  ifi->ifi_family = AF_BRIDGE;
  ifi->ifi_index = index;
  auto* spec = r.nest(IFLA_AF_SPEC);
  bridge_vlan_info info{};
  info.vid = static_cast<uint16_t>(vid);
  r.bytes(IFLA_BRIDGE_VLAN_INFO, &info, sizeof info);
  r.end(spec);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e != 0 && e != ENOENT)
    throw Error(kInternal, "failed to delete VLAN " + std::to_string(vid) + " from port " + std::to_string(index) + ": " +
                               errno_text(e), ack);
}

std::vector<BridgeVlan> Netlink::bridge_vlans(int index) {
  std::vector<BridgeVlan> out;
  struct Ctx {
    std::vector<BridgeVlan>* out;
  } ctx{&out};
  impl_->dump([](Request& r) {
    r.nlh->nlmsg_type = RTM_GETLINK;
    r.header<ifinfomsg>()->ifi_family = AF_BRIDGE;
    r.u32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
  }, [&](const nlmsghdr* m) {
    const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(m));
    if (ifi->ifi_index != index) return;
    mnl_attr_parse(m, sizeof(ifinfomsg), [](const nlattr* a, void* d) -> int {
      if (mnl_attr_get_type(a) != IFLA_AF_SPEC) return MNL_CB_OK;
      mnl_attr_parse_nested(a, [](const nlattr* b, void* dd) -> int {
        if (mnl_attr_get_type(b) != IFLA_BRIDGE_VLAN_INFO || mnl_attr_get_payload_len(b) < sizeof(bridge_vlan_info))
          return MNL_CB_OK;
        const auto* vi = static_cast<const bridge_vlan_info*>(mnl_attr_get_payload(b));
        static_cast<Ctx*>(dd)->out->push_back({vi->vid, (vi->flags & BRIDGE_VLAN_INFO_PVID) != 0,
                                              (vi->flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0});
        return MNL_CB_OK;
      }, d);
      return MNL_CB_OK;
    }, &ctx);
  }, "failed to list bridge VLANs");
  return out;
}

// --- container-link plugins (macvlan, vlan, dummy, host-device, tap) ---

void Netlink::create_link(const NewLink& l) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, l.name);
  if (l.parent) r.u32(IFLA_LINK, static_cast<uint32_t>(l.parent));
  if (l.mtu > 0) r.u32(IFLA_MTU, static_cast<uint32_t>(l.mtu));
  if (l.mac) r.bytes(IFLA_ADDRESS, l.mac->data(), 6);
  if (l.netns_fd >= 0) r.u32(IFLA_NET_NS_FD, static_cast<uint32_t>(l.netns_fd));
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, l.kind);
  if (l.kind == "macvlan" || l.kind == "vlan" || l.kind == "ipvlan") {
    auto* data = r.nest(IFLA_INFO_DATA);
    if (l.kind == "macvlan") r.u32(IFLA_MACVLAN_MODE, static_cast<uint32_t>(l.macvlan_mode));
    if (l.kind == "vlan") r.u16(IFLA_VLAN_ID, static_cast<uint16_t>(l.vlan_id));
    if (l.kind == "ipvlan") r.u16(IFLA_IPVLAN_MODE, static_cast<uint16_t>(l.ipvlan_mode));
    r.end(data);
  }
  r.end(info);
  impl_->must(r.nlh, "failed to create " + l.kind + " \"" + l.name + "\"");
}

void Netlink::set_alias(int index, const std::string& alias) {
  auto r = setlink(index);
  // An empty IFLA_IFALIAS clears the alias.
  r.bytes(IFLA_IFALIAS, alias.data(), alias.size());
  impl_->must(r.nlh, "failed to set alias \"" + alias + "\" on link " + std::to_string(index));
}

void Netlink::move_to_netns(int index, int netns_fd, const std::string& new_name) {
  auto r = setlink(index);
  r.u32(IFLA_NET_NS_FD, static_cast<uint32_t>(netns_fd));
  r.str(IFLA_IFNAME, new_name);
  impl_->must(r.nlh, "failed to move link " + std::to_string(index) + " to another namespace as \"" + new_name + "\"");
}

// ---

void Netlink::add_address(int index, const Cidr& addr, bool nodad, bool exist_ok) {
  Request r(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = r.header<ifaddrmsg>();
  ifa->ifa_family = static_cast<uint8_t>(addr.ip.af());
  ifa->ifa_prefixlen = static_cast<uint8_t>(addr.prefix);
  ifa->ifa_index = static_cast<uint32_t>(index);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  put_addr(r, IFA_LOCAL, addr.ip);
  put_addr(r, IFA_ADDRESS, addr.ip);
  if (addr.ip.is_v4() && addr.prefix < 31) {
    auto brd = addr.broadcast();
    put_addr(r, IFA_BROADCAST, brd);
  }
  if (nodad) r.u32(IFA_FLAGS, IFA_F_NODAD);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == 0 || (e == EEXIST && exist_ok)) return;
  throw Error(kInternal, "failed to add address " + addr.str() + " to link " + std::to_string(index) + ": " + errno_text(e),
              ack.empty() ? "" : "kernel: " + ack);
}

bool Netlink::del_address(int index, const Cidr& addr) {
  Request r(RTM_DELADDR, 0);
  auto* ifa = r.header<ifaddrmsg>();
  ifa->ifa_family = static_cast<uint8_t>(addr.ip.af());
  ifa->ifa_prefixlen = static_cast<uint8_t>(addr.prefix);
  ifa->ifa_index = static_cast<uint32_t>(index);
  put_addr(r, IFA_LOCAL, addr.ip);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == EADDRNOTAVAIL || e == ENODEV) return false;
  if (e != 0) throw Error(kInternal, "failed to delete address " + addr.str() + ": " + errno_text(e), ack);
  return true;
}

std::vector<Address> Netlink::addresses(int index, int family) {
  std::vector<Address> out;
  impl_->dump([&](Request& r) {
    r.nlh->nlmsg_type = RTM_GETADDR;
    r.header<ifaddrmsg>()->ifa_family = static_cast<uint8_t>(family);
  }, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWADDR) return;
    const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(m));
    if (static_cast<int>(ifa->ifa_index) != index) return;
    struct Ctx {
      const ifaddrmsg* ifa;
      Address a;
      bool have = false;
    } ctx{ifa, {}, false};
    ctx.a.flags = ifa->ifa_flags;
    ctx.a.scope = ifa->ifa_scope;
    mnl_attr_parse(m, sizeof(ifaddrmsg), [](const nlattr* a, void* d) -> int {
      auto* c = static_cast<Ctx*>(d);
      auto t = mnl_attr_get_type(a);
      // IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL the local one. For the
      // links we manage they are equal, and IPv6 sends only IFA_ADDRESS.
      if (t == IFA_LOCAL || (t == IFA_ADDRESS && !c->have)) {
        c->a.cidr = {IpAddr::from_bytes(static_cast<const uint8_t*>(mnl_attr_get_payload(a)), c->ifa->ifa_family),
                     c->ifa->ifa_prefixlen};
        c->have = true;
      }
      if (t == IFA_FLAGS) c->a.flags = mnl_attr_get_u32(a);
      return MNL_CB_OK;
    }, &ctx);
    if (ctx.have) out.push_back(ctx.a);
  }, "failed to list addresses");
  return out;
}

namespace {
// `for_delete`: protocol and scope left as wildcards (RTPROT_UNSPEC, RT_SCOPE_NOWHERE), so a
// route the kernel made (proto kernel, scope link) is found by destination, gateway and link.
void build_route(Request& r, const RouteEntry& rt, bool for_delete = false) {
  auto* rtm = r.header<rtmsg>();
  rtm->rtm_family = static_cast<uint8_t>(rt.dst.ip.af());
  rtm->rtm_dst_len = static_cast<uint8_t>(rt.dst.prefix);
  rtm->rtm_table = static_cast<uint8_t>(rt.table < 256 ? rt.table : static_cast<int>(RT_TABLE_UNSPEC));
  rtm->rtm_protocol = for_delete ? RTPROT_UNSPEC : RTPROT_BOOT;
  rtm->rtm_scope = static_cast<uint8_t>(for_delete ? RT_SCOPE_NOWHERE : rt.scope);
  rtm->rtm_type = RTN_UNICAST;
  if (rt.onlink) rtm->rtm_flags |= RTNH_F_ONLINK;
  if (rt.table >= 256) r.u32(RTA_TABLE, static_cast<uint32_t>(rt.table));
  if (rt.dst.prefix > 0) put_addr(r, RTA_DST, rt.dst.ip);
  if (rt.gw) put_addr(r, RTA_GATEWAY, *rt.gw);
  if (rt.src) put_addr(r, RTA_PREFSRC, *rt.src);
  if (rt.oif) r.u32(RTA_OIF, static_cast<uint32_t>(rt.oif));
  if (rt.priority) r.u32(RTA_PRIORITY, *rt.priority);
  if (rt.mtu || rt.advmss) {
    auto* m = r.nest(RTA_METRICS);
    if (rt.mtu) r.u32(RTAX_MTU, *rt.mtu);
    if (rt.advmss) r.u32(RTAX_ADVMSS, *rt.advmss);
    r.end(m);
  }
}
std::string route_text(const RouteEntry& rt) {
  return rt.dst.str() + (rt.gw ? " via " + rt.gw->str() : "") + (rt.oif ? " dev " + std::to_string(rt.oif) : "");
}
}  // namespace

void Netlink::add_route(const RouteEntry& rt, bool exist_ok) {
  Request r(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  build_route(r, rt);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == 0 || (e == EEXIST && exist_ok)) return;
  throw Error(kInternal, "failed to add route " + route_text(rt) + ": " + errno_text(e), ack.empty() ? "" : "kernel: " + ack);
}

bool Netlink::del_route(const RouteEntry& rt) {
  Request r(RTM_DELROUTE, 0);
  build_route(r, rt, /*for_delete=*/true);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == ESRCH || e == ENOENT) return false;
  if (e != 0) throw Error(kInternal, "failed to delete route " + route_text(rt) + ": " + errno_text(e), ack);
  return true;
}

RouteEntry detail::parse_route(const nlmsghdr* m) {
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(m));
  struct Ctx {
    const rtmsg* rtm;
    RouteEntry e;
  } ctx{rtm, {}};
  ctx.e.table = rtm->rtm_table;
  ctx.e.scope = rtm->rtm_scope;
  ctx.e.protocol = rtm->rtm_protocol;
  ctx.e.onlink = (rtm->rtm_flags & RTNH_F_ONLINK) != 0;
  ctx.e.dst = {rtm->rtm_family == AF_INET ? IpAddr::v4(0) : *IpAddr::parse("::"), rtm->rtm_dst_len};
  mnl_attr_parse(m, sizeof(rtmsg), [](const nlattr* a, void* d) -> int {
    auto* c = static_cast<Ctx*>(d);
    const auto* p = static_cast<const uint8_t*>(mnl_attr_get_payload(a));
    switch (mnl_attr_get_type(a)) {
      case RTA_DST: c->e.dst.ip = IpAddr::from_bytes(p, c->rtm->rtm_family); break;
      case RTA_GATEWAY: c->e.gw = IpAddr::from_bytes(p, c->rtm->rtm_family); break;
      case RTA_OIF: c->e.oif = static_cast<int>(mnl_attr_get_u32(a)); break;
      case RTA_TABLE: c->e.table = static_cast<int>(mnl_attr_get_u32(a)); break;
      case RTA_PRIORITY: c->e.priority = mnl_attr_get_u32(a); break;
      case RTA_PREFSRC: c->e.src = IpAddr::from_bytes(p, c->rtm->rtm_family); break;
      default: break;
    }
    return MNL_CB_OK;
  }, &ctx);
  return ctx.e;
}

std::vector<RouteEntry> Netlink::routes(int family, int table) {
  std::vector<RouteEntry> out;
  impl_->dump([&](Request& r) {
    r.nlh->nlmsg_type = RTM_GETROUTE;
    r.header<rtmsg>()->rtm_family = static_cast<uint8_t>(family);
  }, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWROUTE) return;
    const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(m));
    if (rtm->rtm_type != RTN_UNICAST) return;
    auto e = detail::parse_route(m);
    if (e.table == table) out.push_back(e);
  }, "failed to list routes");
  return out;
}

// The kernel's own route lookup (`ip route get`), not a walk of the table: policy rules,
// metrics and longest-prefix match are the kernel's business.
std::optional<int> Netlink::route_oif(const IpAddr& dst) {
  Request r(RTM_GETROUTE, 0);
  auto* rtm = r.header<rtmsg>();
  rtm->rtm_family = static_cast<uint8_t>(dst.af());
  rtm->rtm_dst_len = static_cast<uint8_t>(dst.bits());
  put_addr(r, RTA_DST, dst);
  std::optional<int> oif;
  std::string ack;
  int e = impl_->transact(r.nlh, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWROUTE) return;
    mnl_attr_parse(m, sizeof(rtmsg), [](const nlattr* a, void* d) -> int {
      if (mnl_attr_get_type(a) == RTA_OIF) *static_cast<std::optional<int>*>(d) = static_cast<int>(mnl_attr_get_u32(a));
      return MNL_CB_OK;
    }, &oif);
  }, &ack);
  if (e == ENETUNREACH || e == EHOSTUNREACH || e == ENETDOWN) return std::nullopt;
  if (e != 0) throw Error(kInternal, "failed to look up the route to " + dst.str() + ": " + errno_text(e), ack);
  return oif;
}

// ---- VXLAN, neighbours, FDB (the overlay's datapath) ----
//
//   RTM_NEWNEIGH: nlmsghdr | ndmsg{family, ifindex, state, flags} | NDA_DST | NDA_LLADDR
//
// An AF_INET neighbour maps a next hop to a MAC; an AF_BRIDGE entry with NTF_SELF lands in
// the VXLAN device's own forwarding table, where NDA_DST is the remote VTEP's address.

bool NeighEntry::permanent() const { return state & NUD_PERMANENT; }

void Netlink::create_vxlan(const std::string& name, const VxlanSpec& spec) {
  Request r(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  r.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  r.str(IFLA_IFNAME, name);
  if (spec.mtu > 0) r.u32(IFLA_MTU, static_cast<uint32_t>(spec.mtu));
  if (spec.mac) r.bytes(IFLA_ADDRESS, spec.mac->data(), 6);
  auto* info = r.nest(IFLA_LINKINFO);
  r.str(IFLA_INFO_KIND, "vxlan");
  auto* data = r.nest(IFLA_INFO_DATA);
  r.u32(IFLA_VXLAN_ID, spec.vni);
  if (spec.local.is_v4()) put_addr(r, IFLA_VXLAN_LOCAL, spec.local);
  if (spec.lower_index > 0) r.u32(IFLA_VXLAN_LINK, static_cast<uint32_t>(spec.lower_index));
  r.u16(IFLA_VXLAN_PORT, htons(static_cast<uint16_t>(spec.port)));
  r.u8(IFLA_VXLAN_LEARNING, 0);
  r.end(data);
  r.end(info);
  impl_->must(r.nlh, "failed to create vxlan \"" + name + "\" (VNI " + std::to_string(spec.vni) + ")");
}

void Netlink::replace_route(const RouteEntry& rt) {
  Request r(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  build_route(r, rt);
  impl_->must(r.nlh, "failed to replace route " + route_text(rt));
}

namespace {
ndmsg* neigh_header(Request& r, int family, int index, uint16_t state, uint8_t flags) {
  auto* ndm = r.header<ndmsg>();
  ndm->ndm_family = static_cast<uint8_t>(family);
  ndm->ndm_ifindex = index;
  ndm->ndm_state = state;
  ndm->ndm_flags = flags;
  return ndm;
}

NeighEntry parse_neigh(const nlmsghdr* m) {
  const auto* ndm = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(m));
  struct Ctx {
    const ndmsg* ndm;
    NeighEntry e;
  } ctx{ndm, {}};
  ctx.e.index = ndm->ndm_ifindex;
  ctx.e.state = ndm->ndm_state;
  mnl_attr_parse(m, sizeof(ndmsg), [](const nlattr* a, void* d) -> int {
    auto* c = static_cast<Ctx*>(d);
    const auto* p = static_cast<const uint8_t*>(mnl_attr_get_payload(a));
    const auto len = mnl_attr_get_payload_len(a);
    switch (mnl_attr_get_type(a)) {
      case NDA_DST:
        if (len == 4) c->e.ip = IpAddr::from_bytes(p, AF_INET);
        else if (len == 16) c->e.ip = IpAddr::from_bytes(p, AF_INET6);
        break;
      case NDA_LLADDR:
        if (len == 6) {
          Mac mac;
          std::memcpy(mac.data(), p, 6);
          c->e.mac = mac;
        }
        break;
      default: break;
    }
    return MNL_CB_OK;
  }, &ctx);
  return ctx.e;
}
}  // namespace

void Netlink::replace_neighbour(int index, const IpAddr& ip, const Mac& mac) {
  Request r(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
  neigh_header(r, ip.af(), index, NUD_PERMANENT, 0);
  put_addr(r, NDA_DST, ip);
  r.bytes(NDA_LLADDR, mac.data(), 6);
  impl_->must(r.nlh, "failed to set neighbour " + ip.str() + " -> " + mac_str(mac) + " on link " + std::to_string(index));
}

bool Netlink::del_neighbour(int index, const IpAddr& ip) {
  Request r(RTM_DELNEIGH, 0);
  neigh_header(r, ip.af(), index, 0, 0);
  put_addr(r, NDA_DST, ip);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == ENOENT || e == ENODEV) return false;
  if (e != 0)
    throw Error(kInternal, "failed to delete neighbour " + ip.str() + " on link " + std::to_string(index) + ": " +
                               errno_text(e), ack);
  return true;
}

std::vector<NeighEntry> Netlink::neighbours(int index, int family) {
  std::vector<NeighEntry> out;
  impl_->dump([&](Request& r) {
    r.nlh->nlmsg_type = RTM_GETNEIGH;
    neigh_header(r, family, index, 0, 0);
  }, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWNEIGH) return;
    auto e = parse_neigh(m);
    if (e.index == index) out.push_back(e);
  }, "failed to list neighbours");
  return out;
}

void Netlink::replace_fdb(int index, const Mac& mac, const IpAddr& dst) {
  Request r(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
  neigh_header(r, AF_BRIDGE, index, NUD_PERMANENT, NTF_SELF);
  r.bytes(NDA_LLADDR, mac.data(), 6);
  put_addr(r, NDA_DST, dst);
  impl_->must(r.nlh, "failed to set FDB entry " + mac_str(mac) + " -> " + dst.str() + " on link " + std::to_string(index));
}

bool Netlink::del_fdb(int index, const Mac& mac) {
  Request r(RTM_DELNEIGH, 0);
  neigh_header(r, AF_BRIDGE, index, 0, NTF_SELF);
  r.bytes(NDA_LLADDR, mac.data(), 6);
  std::string ack;
  int e = impl_->transact(r.nlh, {}, &ack);
  if (e == ENOENT || e == ENODEV) return false;
  if (e != 0)
    throw Error(kInternal, "failed to delete FDB entry " + mac_str(mac) + " on link " + std::to_string(index) + ": " +
                               errno_text(e), ack);
  return true;
}

std::vector<NeighEntry> Netlink::fdb(int index) {
  std::vector<NeighEntry> out;
  impl_->dump([&](Request& r) {
    r.nlh->nlmsg_type = RTM_GETNEIGH;
    neigh_header(r, AF_BRIDGE, 0, 0, 0);
  }, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWNEIGH) return;
    auto e = parse_neigh(m);
    if (e.index == index) out.push_back(e);
  }, "failed to list the forwarding database");
  return out;
}

// ---- Raw access for libcni's other rtnetlink files (policy routing, VRF, link tuning):
// the same socket, ACK handling and dump retries as the requests above.
int detail::RtnlAccess::transact(Netlink& nl, nlmsghdr* nlh, const std::function<void(const nlmsghdr*)>& on_msg,
                                 std::string* ack) {
  return nl.impl_->transact(nlh, on_msg, ack);
}

void detail::RtnlAccess::dump(Netlink& nl, const nlmsghdr* request, const std::function<void(const nlmsghdr*)>& on_msg,
                              const std::string& what) {
  nl.impl_->dump([&](Request& r) {
    std::memcpy(r.buf, request, std::min<size_t>(request->nlmsg_len, sizeof r.buf));
    r.nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  }, on_msg, what);
}

}  // namespace cni
