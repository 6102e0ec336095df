// Private to libcni: rtnetlink messages built outside netlink.cpp (policy routing rules,
// route moves between tables, VRF devices, link flags the core class does not cover) go
// through a Netlink object's own socket, ACK checking and dump retries.
//
//   nlmsghdr | <family header: rtmsg, fib_rule_hdr, ifinfomsg> | attributes ...
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstring>
#include <functional>
#include <string>

#include "cni/base/error.hpp"
#include "cni/kernel/netlink.hpp"

namespace cni::detail {

struct RtnlAccess {
  // Sends one request (NLM_F_ACK added) and reads until its ACK; 0 or the kernel's errno,
  // the extended-ACK text in *ack. Data replies go to on_msg.
  static int transact(Netlink& nl, nlmsghdr* nlh, const std::function<void(const nlmsghdr*)>& on_msg,
                      std::string* ack);
  // A dump of `request` (its type and family header; flags are set here), retried when the
  // kernel reports it was interrupted. Errors throw, naming `what`.
  static void dump(Netlink& nl, const nlmsghdr* request, const std::function<void(const nlmsghdr*)>& on_msg,
                   const std::string& what);
};

// One request in a stack buffer.
struct RtnlMessage {
  alignas(nlmsghdr) char buf[4096];
  nlmsghdr* nlh;
  RtnlMessage(uint16_t type, uint16_t flags) {
    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  }
  // A copy points into its own buffer.
  RtnlMessage(const RtnlMessage& o) : nlh(reinterpret_cast<nlmsghdr*>(buf)) { std::memcpy(buf, o.buf, o.nlh->nlmsg_len); }
  RtnlMessage& operator=(const RtnlMessage&) = delete;
  template <class T>
  T* header() {
    return static_cast<T*>(mnl_nlmsg_put_extra_header(nlh, sizeof(T)));
  }
  void str(uint16_t type, const std::string& s) { mnl_attr_put_strz(nlh, type, s.c_str()); }
  void u32(uint16_t type, uint32_t v) { mnl_attr_put_u32(nlh, type, v); }
  void u16(uint16_t type, uint16_t v) { mnl_attr_put_u16(nlh, type, v); }
  void u8(uint16_t type, uint8_t v) { mnl_attr_put_u8(nlh, type, v); }
  void bytes(uint16_t type, const void* p, size_t n) { mnl_attr_put(nlh, type, n, p); }
  nlattr* nest(uint16_t type) { return mnl_attr_nest_start(nlh, type); }
  void end(nlattr* n) { mnl_attr_nest_end(nlh, n); }
};

// The one reader of RTM_NEWROUTE (a dump's entry or a lookup's answer): rtmsg and the
// attributes every caller needs, for Netlink::routes and policy routing's route moves.
RouteEntry parse_route(const nlmsghdr* m);

// transact() that must succeed: the errno text, with the kernel's own words in details.
inline void rtnl_must(Netlink& nl, nlmsghdr* nlh, const std::string& what) {
  std::string ack;
  int e = RtnlAccess::transact(nl, nlh, {}, &ack);
  if (e != 0) throw Error(kInternal, what + ": " + std::strerror(e), ack.empty() ? "" : "kernel: " + ack);
}

}  // namespace cni::detail
