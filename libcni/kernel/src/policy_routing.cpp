// Rule and route messages:
//
//   RTM_NEWRULE:  nlmsghdr | fib_rule_hdr{family, src_len, table, action} | FRA_SRC | FRA_TABLE | FRA_PRIORITY
//   RTM_NEWROUTE: nlmsghdr | rtmsg | the attributes the kernel dumped, RTA_TABLE rewritten
#include "cni/kernel/policy_routing.hpp"

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink_raw.hpp"

namespace cni {

namespace {

using detail::RtnlAccess;
using detail::RtnlMessage;

IpAddr addr_from(const nlattr* a, int family) {
  return IpAddr::from_bytes(static_cast<const uint8_t*>(mnl_attr_get_payload(a)), family);
}

PolicyRule parse_rule(const nlmsghdr* m) {
  const auto* h = static_cast<const fib_rule_hdr*>(mnl_nlmsg_get_payload(m));
  struct Ctx {
    const fib_rule_hdr* h;
    PolicyRule r;
  } ctx{h, {}};
  ctx.r.family = h->family;
  ctx.r.table = h->table;
  mnl_attr_parse(m, sizeof(fib_rule_hdr), [](const nlattr* a, void* d) -> int {
    auto* c = static_cast<Ctx*>(d);
    switch (mnl_attr_get_type(a)) {
      case FRA_SRC: c->r.src = Cidr{addr_from(a, c->h->family), c->h->src_len}; break;
      case FRA_TABLE: c->r.table = static_cast<int>(mnl_attr_get_u32(a)); break;
      case FRA_PRIORITY: c->r.priority = mnl_attr_get_u32(a); break;
      default: break;
    }
    return MNL_CB_OK;
  }, &ctx);
  return ctx.r;
}

void build_rule(RtnlMessage& m, const PolicyRule& r) {
  auto* h = m.header<fib_rule_hdr>();
  h->family = static_cast<uint8_t>(r.family);
  h->action = FR_ACT_TO_TBL;
  h->table = static_cast<uint8_t>(r.table < 256 ? r.table : static_cast<int>(RT_TABLE_UNSPEC));
  if (r.src) {
    h->src_len = static_cast<uint8_t>(r.src->prefix);
    mnl_attr_put(m.nlh, FRA_SRC, r.src->ip.size(), r.src->ip.data());
  }
  mnl_attr_put_u32(m.nlh, FRA_TABLE, static_cast<uint32_t>(r.table));
  if (r.priority) mnl_attr_put_u32(m.nlh, FRA_PRIORITY, *r.priority);
}

std::string rule_text(const PolicyRule& r) {
  return "from " + (r.src ? r.src->str() : std::string("all")) + " lookup " + std::to_string(r.table);
}

KernelRoute read_route(const nlmsghdr* m) {
  KernelRoute r{detail::parse_route(m), {}};
  r.message.assign(reinterpret_cast<const char*>(m), m->nlmsg_len);
  return r;
}

// The dumped route as a new request of `type`: its rtmsg with the table (and flags)
// replaced, then every attribute but RTA_TABLE, then RTA_TABLE = table.
void build_from_dump(RtnlMessage& out, const KernelRoute& r, int table) {
  const auto* src = reinterpret_cast<const nlmsghdr*>(r.message.data());
  auto* rtm = out.header<rtmsg>();
  std::memcpy(rtm, mnl_nlmsg_get_payload(src), sizeof(rtmsg));
  rtm->rtm_table = static_cast<uint8_t>(table < 256 ? table : static_cast<int>(RT_TABLE_UNSPEC));
  rtm->rtm_flags = 0;
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(src));
  for (auto* a = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(src, sizeof(rtmsg)));
       mnl_attr_ok(a, static_cast<int>(tail - reinterpret_cast<const char*>(a))); a = mnl_attr_next(a)) {
    if (mnl_attr_get_type(a) == RTA_TABLE) continue;
    mnl_attr_put(out.nlh, mnl_attr_get_type(a), mnl_attr_get_payload_len(a), mnl_attr_get_payload(a));
  }
  mnl_attr_put_u32(out.nlh, RTA_TABLE, static_cast<uint32_t>(table));
}

}  // namespace

std::string KernelRoute::str() const {
  return dst.str() + (gw ? " via " + gw->str() : "") + (src ? " src " + src->str() : "") + " table " +
         std::to_string(table);
}

std::vector<PolicyRule> list_rules(Netlink& nl) {
  RtnlMessage req(RTM_GETRULE, 0);
  req.header<fib_rule_hdr>()->family = AF_UNSPEC;
  std::vector<PolicyRule> out;
  RtnlAccess::dump(nl, req.nlh, [&](const nlmsghdr* m) {
    if (m->nlmsg_type == RTM_NEWRULE) out.push_back(parse_rule(m));
  }, "failed to list routing rules");
  return out;
}

void add_rule(Netlink& nl, const PolicyRule& r) {
  RtnlMessage m(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
  build_rule(m, r);
  detail::rtnl_must(nl, m.nlh, "failed to add rule " + rule_text(r));
}

bool del_rule(Netlink& nl, const PolicyRule& r) {
  RtnlMessage m(RTM_DELRULE, 0);
  build_rule(m, r);
  std::string ack;
  int e = RtnlAccess::transact(nl, m.nlh, {}, &ack);
  if (e == ENOENT) return false;
  if (e != 0) throw Error(kInternal, "failed to delete rule " + rule_text(r) + ": " + std::strerror(e), ack);
  return true;
}

std::vector<KernelRoute> list_link_routes(Netlink& nl, int oif, int table) {
  std::vector<KernelRoute> out;
  for (int family : {AF_INET, AF_INET6}) {
    RtnlMessage req(RTM_GETROUTE, 0);
    req.header<rtmsg>()->rtm_family = static_cast<uint8_t>(family);
    RtnlAccess::dump(nl, req.nlh, [&](const nlmsghdr* m) {
      if (m->nlmsg_type != RTM_NEWROUTE) return;
      const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(m));
      if (rtm->rtm_type != RTN_UNICAST) return;
      auto r = read_route(m);
      if (r.table == table && r.oif == oif) out.push_back(std::move(r));
    }, "failed to list routes");
  }
  return out;
}

void copy_route_to_table(Netlink& nl, const KernelRoute& r, int table) {
  RtnlMessage m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
  build_from_dump(m, r, table);
  detail::rtnl_must(nl, m.nlh, "failed to copy route " + r.str() + " to table " + std::to_string(table));
}

bool delete_route(Netlink& nl, const KernelRoute& r) {
  RtnlMessage m(RTM_DELROUTE, 0);
  build_from_dump(m, r, r.table);
  std::string ack;
  int e = RtnlAccess::transact(nl, m.nlh, {}, &ack);
  if (e == ESRCH || e == ENOENT) return false;
  if (e != 0) throw Error(kInternal, "failed to delete route " + r.str() + ": " + std::strerror(e), ack);
  return true;
}

}  // namespace cni
