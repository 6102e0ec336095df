// TC objects through libnl-route-3. libnl builds each request from an rtnl object; the one
// place we adjust its message is the TBF (see tbf_request) so the kernel ends up with the
// reference plugin's exact numbers.
#include "cni/kernel/tc.hpp"

#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/act/mirred.h>
#include <netlink/route/action.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <netlink/socket.h>
#include <netlink/utils.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "cni/base/error.hpp"

namespace cni::tc {

namespace {

constexpr double kLatencyMs = 25;  // the reference's fixed TBF latency

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Sock = std::unique_ptr<nl_sock, Deleter<nl_sock, nl_socket_free>>;
using Qdisc = std::unique_ptr<rtnl_qdisc, Deleter<rtnl_qdisc, rtnl_qdisc_put>>;
using Cls = std::unique_ptr<rtnl_cls, Deleter<rtnl_cls, rtnl_cls_put>>;
using Act = std::unique_ptr<rtnl_act, Deleter<rtnl_act, rtnl_act_put>>;
using Msg = std::unique_ptr<nl_msg, Deleter<nl_msg, nlmsg_free>>;
using Cache = std::unique_ptr<nl_cache, Deleter<nl_cache, nl_cache_free>>;

[[noreturn]] void fail(const std::string& what, int nl_error) {
  throw Error(kInternal, what + ": " + nl_geterror(nl_error));
}

Sock connect() {
  Sock s(nl_socket_alloc());
  if (!s) throw Error(kInternal, "failed to allocate a netlink socket (libnl)");
  if (int e = nl_connect(s.get(), NETLINK_ROUTE); e < 0) fail("failed to open a rtnetlink socket", e);
  return s;
}

// libnl derives the TBF buffer from the bucket in one floating-point step; the reference
// rounds to whole microseconds first. The request is patched to the reference's value, and
// libnl's rate table (TCA_TBF_RTAB) is dropped: the kernel does not need it, and given one
// it records the link layer as "ethernet" where the reference's qdisc says "unspec". Rates
// of 2^32 bytes/s and more travel in TCA_TBF_RATE64, which libnl 3.7 cannot express.
void patch_tbf_request(nl_msg* msg, const Tbf& tbf, const std::string& what) {
  nlmsghdr* nlh = nlmsg_hdr(msg);
  nlattr* opts = nlmsg_find_attr(nlh, sizeof(tcmsg), TCA_OPTIONS);
  nlattr* parms = opts ? nla_find(static_cast<nlattr*>(nla_data(opts)), nla_len(opts), TCA_TBF_PARMS) : nullptr;
  if (!parms || nla_len(parms) < static_cast<int>(sizeof(tc_tbf_qopt)))
    throw Error(kInternal, what + ": libnl built a TBF request without parameters");
  auto* qopt = static_cast<tc_tbf_qopt*>(nla_data(parms));
  qopt->buffer = tbf.buffer;
  qopt->rate.rate = tbf.rate >= (1ull << 32) ? ~0u : static_cast<uint32_t>(tbf.rate);
  qopt->rate.linklayer = TC_LINKLAYER_UNAWARE;

  auto* msg_end = reinterpret_cast<char*>(nlh) + nlh->nlmsg_len;
  auto* opts_end = reinterpret_cast<char*>(opts) + NLA_ALIGN(opts->nla_len);
  nlattr* rtab = nla_find(static_cast<nlattr*>(nla_data(opts)), nla_len(opts), TCA_TBF_RTAB);
  if (opts_end == msg_end && rtab && reinterpret_cast<char*>(rtab) + NLA_ALIGN(rtab->nla_len) == opts_end) {
    const auto cut = static_cast<uint32_t>(NLA_ALIGN(rtab->nla_len));
    opts->nla_len = static_cast<uint16_t>(opts->nla_len - cut);
    nlh->nlmsg_len -= cut;
  }
  if (tbf.rate >= (1ull << 32)) {
    if (reinterpret_cast<char*>(opts) + NLA_ALIGN(opts->nla_len) != reinterpret_cast<char*>(nlh) + nlh->nlmsg_len)
      throw Error(kInternal, what + ": cannot add the 64-bit rate to libnl's TBF request");
    if (int e = nla_put_u64(msg, TCA_TBF_RATE64, tbf.rate); e < 0) fail(what, e);
    nlh = nlmsg_hdr(msg);
    opts = nlmsg_find_attr(nlh, sizeof(tcmsg), TCA_OPTIONS);
    opts->nla_len = static_cast<uint16_t>(reinterpret_cast<char*>(nlh) + nlh->nlmsg_len - reinterpret_cast<char*>(opts));
  }
}

void send_and_ack(nl_sock* s, nl_msg* msg, const std::string& what) {
  if (int e = nl_send_auto(s, msg); e < 0) fail(what, e);
  if (int e = nl_wait_for_ack(s); e < 0) fail(what, e);
}

}  // namespace

Tbf tbf_for(uint64_t rate_bits, uint64_t burst_bits) {
  Tbf t;
  t.rate = rate_bits / 8;
  const uint64_t burst = burst_bits / 8;
  if (t.rate == 0) return t;
  const auto usec = static_cast<uint32_t>(static_cast<double>(burst) * 1e6 / static_cast<double>(t.rate));
  t.buffer = nl_us2ticks(usec);
  const double latency_us = 1e6 * (kLatencyMs / 1000.0);
  t.limit = static_cast<uint32_t>(static_cast<double>(t.rate) * latency_us / 1e6) + static_cast<uint32_t>(burst);
  return t;
}

void add_root_tbf(int ifindex, const Tbf& tbf) {
  const std::string what = "failed to add a TBF qdisc to link " + std::to_string(ifindex);
  Qdisc q(rtnl_qdisc_alloc());
  if (!q) throw Error(kInternal, what + ": out of memory");
  auto* tc = TC_CAST(q.get());
  rtnl_tc_set_ifindex(tc, ifindex);
  rtnl_tc_set_parent(tc, TC_H_ROOT);
  rtnl_tc_set_handle(tc, TC_HANDLE(1, 0));
  if (int e = rtnl_tc_set_kind(tc, "tbf"); e < 0) fail(what, e);
  rtnl_qdisc_tbf_set_limit(q.get(), static_cast<int>(tbf.limit));
  // libnl takes the rate as an int; the patch below sets the real one.
  const uint64_t burst_bytes = static_cast<uint64_t>(tbf.limit) - static_cast<uint64_t>(tbf.rate * kLatencyMs / 1000.0);
  rtnl_qdisc_tbf_set_rate(q.get(), static_cast<int>(std::min<uint64_t>(tbf.rate, 0x7fffffff)),
                          static_cast<int>(std::min<uint64_t>(burst_bytes, 0x7fffffff)), 0);
  nl_msg* raw = nullptr;
  if (int e = rtnl_qdisc_build_add_request(q.get(), NLM_F_CREATE | NLM_F_EXCL, &raw); e < 0) fail(what, e);
  Msg msg(raw);
  patch_tbf_request(msg.get(), tbf, what);
  auto s = connect();
  send_and_ack(s.get(), msg.get(), what);
}

void add_ingress_redirect(int ifindex, int target_ifindex) {
  auto s = connect();
  {
    const std::string what = "failed to add an ingress qdisc to link " + std::to_string(ifindex);
    Qdisc q(rtnl_qdisc_alloc());
    if (!q) throw Error(kInternal, what + ": out of memory");
    auto* tc = TC_CAST(q.get());
    rtnl_tc_set_ifindex(tc, ifindex);
    rtnl_tc_set_parent(tc, TC_H_INGRESS);
    rtnl_tc_set_handle(tc, TC_HANDLE(0xffff, 0));
    if (int e = rtnl_tc_set_kind(tc, "ingress"); e < 0) fail(what, e);
    if (int e = rtnl_qdisc_add(s.get(), q.get(), NLM_F_CREATE | NLM_F_EXCL); e < 0) fail(what, e);
  }
  const std::string what = "failed to add a redirect filter from link " + std::to_string(ifindex) + " to link " +
                           std::to_string(target_ifindex);
  Act act(rtnl_act_alloc());
  Cls cls(rtnl_cls_alloc());
  if (!act || !cls) throw Error(kInternal, what + ": out of memory");
  if (int e = rtnl_tc_set_kind(TC_CAST(act.get()), "mirred"); e < 0) fail(what, e);
  rtnl_mirred_set_action(act.get(), TCA_EGRESS_REDIR);
  rtnl_mirred_set_policy(act.get(), TC_ACT_STOLEN);
  rtnl_mirred_set_ifindex(act.get(), static_cast<uint32_t>(target_ifindex));

  auto* tc = TC_CAST(cls.get());
  rtnl_tc_set_ifindex(tc, ifindex);
  rtnl_tc_set_parent(tc, TC_HANDLE(0xffff, 0));
  if (int e = rtnl_tc_set_kind(tc, "u32"); e < 0) fail(what, e);
  rtnl_cls_set_prio(cls.get(), 1);
  rtnl_cls_set_protocol(cls.get(), ETH_P_ALL);
  rtnl_u32_set_classid(cls.get(), TC_HANDLE(1, 1));
  rtnl_u32_add_key_uint32(cls.get(), 0, 0, 0, 0);  // match everything
  rtnl_u32_set_cls_terminal(cls.get());
  int e = rtnl_u32_add_action(cls.get(), act.get());
  if (e >= 0) e = rtnl_cls_add(s.get(), cls.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (e < 0) {
    // The ingress qdisc made above goes too: all of this or nothing.
    try {
      clear(ifindex, false, true);
    } catch (const Error&) {
    }
    fail(what, e);
  }
}

void clear(int ifindex, bool root, bool ingress) {
  auto s = connect();
  for (uint32_t parent : {TC_H_ROOT, TC_H_INGRESS}) {
    if ((parent == TC_H_ROOT && !root) || (parent == TC_H_INGRESS && !ingress)) continue;
    Qdisc q(rtnl_qdisc_alloc());
    if (!q) throw Error(kInternal, "out of memory");
    rtnl_tc_set_ifindex(TC_CAST(q.get()), ifindex);
    rtnl_tc_set_parent(TC_CAST(q.get()), parent);
    int e = rtnl_qdisc_delete(s.get(), q.get());
    if (e < 0 && e != -NLE_OBJ_NOTFOUND && e != -NLE_NODEV && e != -NLE_INVAL)
      fail("failed to remove a qdisc from link " + std::to_string(ifindex), e);
  }
}

TbfState state_of(const Tbf& tbf) {
  // libnl's own conversion when it parses a TBF (rtnl_tc_calc_bufsize64).
  const uint64_t rate = std::min<uint64_t>(tbf.rate, 0xffffffffu);  // 32 bits in TCA_TBF_PARMS
  const double bucket = static_cast<double>(nl_ticks2us(tbf.buffer)) * static_cast<double>(rate) / 1e6;
  return {rate, tbf.limit, static_cast<uint32_t>(static_cast<int>(bucket))};
}

std::optional<TbfState> root_tbf(int ifindex) {
  auto s = connect();
  nl_cache* raw = nullptr;
  if (int e = rtnl_qdisc_alloc_cache(s.get(), &raw); e < 0) fail("failed to list qdiscs", e);
  Cache cache(raw);
  Qdisc q(rtnl_qdisc_get_by_parent(cache.get(), ifindex, TC_H_ROOT));
  if (!q) return std::nullopt;
  const char* kind = rtnl_tc_get_kind(TC_CAST(q.get()));
  if (!kind || std::strcmp(kind, "tbf") != 0) return std::nullopt;
  TbfState t;
  t.rate = static_cast<uint32_t>(rtnl_qdisc_tbf_get_rate(q.get()));
  t.limit = static_cast<uint32_t>(rtnl_qdisc_tbf_get_limit(q.get()));
  t.bucket = static_cast<uint32_t>(rtnl_qdisc_tbf_get_rate_bucket(q.get()));
  return t;
}

}  // namespace cni::tc
