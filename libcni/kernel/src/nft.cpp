#include "cni/kernel/nft.hpp"

// glibc's <netinet/in.h> first: it tells the kernel headers below not to define its types again.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "cni/base/error.hpp"
#include "cni/base/ip.hpp"
#include "netlink_ack.hpp"

namespace cni::nft {

namespace {

struct Socket {
  mnl_socket* s = nullptr;
  uint32_t portid = 0;
  Socket() {
    s = detail::open_netlink_socket(NETLINK_NETFILTER, "nftables");
    portid = mnl_socket_get_portid(s);
  }
  ~Socket() { mnl_socket_close(s); }
};

uint32_t next_seq() {
  static uint32_t seq = static_cast<uint32_t>(time(nullptr));
  return ++seq;
}

void add_expr(nftnl_rule* r, nftnl_expr* e) { nftnl_rule_add_expr(r, e); }

void dump(nlmsghdr* nlh, const std::function<void(const nlmsghdr*)>& on_msg, const std::string& what) {
  Socket sock;
  detail::netfilter_dump(sock.s, nlh, on_msg, what);
}

// cmp <op> against `len` bytes of `value`, on register 1.
void add_cmp(nftnl_rule* r, uint32_t op, const void* value, uint32_t len) {
  auto* cmp = nftnl_expr_alloc("cmp");
  nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
  nftnl_expr_set_u32(cmp, NFTNL_EXPR_CMP_OP, op);
  nftnl_expr_set(cmp, NFTNL_EXPR_CMP_DATA, value, len);
  add_expr(r, cmp);
}

}  // namespace

Rule::Rule(uint16_t family, const std::string& table, const std::string& chain)
    : rule_(nftnl_rule_alloc()), chain_(chain) {
  if (!rule_) throw std::bad_alloc();
  nftnl_rule_set_u32(rule_, NFTNL_RULE_FAMILY, family);
  nftnl_rule_set_str(rule_, NFTNL_RULE_TABLE, table.c_str());
  nftnl_rule_set_str(rule_, NFTNL_RULE_CHAIN, chain.c_str());
}
Rule::~Rule() {
  if (rule_) nftnl_rule_free(rule_);
}
Rule::Rule(Rule&& o) noexcept : rule_(o.rule_), chain_(std::move(o.chain_)), comment_(std::move(o.comment_)) {
  o.rule_ = nullptr;
}

Rule& Rule::match_nfproto(uint8_t nfproto) {
  auto* meta = nftnl_expr_alloc("meta");
  nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
  nftnl_expr_set_u32(meta, NFTNL_EXPR_META_DREG, NFT_REG_1);
  add_expr(rule_, meta);
  add_cmp(rule_, NFT_CMP_EQ, &nfproto, 1);
  return *this;
}

Rule& Rule::match_payload(uint32_t base, uint32_t offset, const void* value, uint32_t len, bool equal,
                          const void* mask) {
  auto* p = nftnl_expr_alloc("payload");
  nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, base);
  nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
  nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, len);
  nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
  add_expr(rule_, p);
  if (mask) {
    static const uint8_t zeros[16] = {};
    auto* b = nftnl_expr_alloc("bitwise");
    nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
    nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
    nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_LEN, len);
    nftnl_expr_set(b, NFTNL_EXPR_BITWISE_MASK, mask, len);
    nftnl_expr_set(b, NFTNL_EXPR_BITWISE_XOR, zeros, len);
    add_expr(rule_, b);
  }
  add_cmp(rule_, equal ? NFT_CMP_EQ : NFT_CMP_NEQ, value, len);
  return *this;
}

namespace {
// meta <key> into reg 1, then cmp against `len` bytes of `value`.
void meta_cmp(nftnl_rule* r, uint32_t key, const void* value, uint32_t len, bool equal) {
  auto* meta = nftnl_expr_alloc("meta");
  nftnl_expr_set_u32(meta, NFTNL_EXPR_META_KEY, key);
  nftnl_expr_set_u32(meta, NFTNL_EXPR_META_DREG, NFT_REG_1);
  add_expr(r, meta);
  add_cmp(r, equal ? NFT_CMP_EQ : NFT_CMP_NEQ, value, len);
}

// ct <key> into reg 1, & mask, != 0: "ct status dnat", "ct state new".
void ct_bits_set(nftnl_rule* r, uint32_t key, uint32_t mask) {
  auto* ct = nftnl_expr_alloc("ct");
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_KEY, key);
  nftnl_expr_set_u32(ct, NFTNL_EXPR_CT_DREG, NFT_REG_1);
  add_expr(r, ct);
  const uint32_t zero = 0;
  auto* b = nftnl_expr_alloc("bitwise");
  nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
  nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
  nftnl_expr_set_u32(b, NFTNL_EXPR_BITWISE_LEN, sizeof mask);
  nftnl_expr_set(b, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof mask);
  nftnl_expr_set(b, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof zero);
  add_expr(r, b);
  add_cmp(r, NFT_CMP_NEQ, &zero, sizeof zero);
}
}  // namespace

Rule& Rule::match_ifname(bool input, const std::string& name, bool equal, bool prefix) {
  char buf[IFNAMSIZ] = {};
  std::strncpy(buf, name.c_str(), IFNAMSIZ - 1);
  // A whole name is compared with its NUL padding (IFNAMSIZ bytes), a prefix without it.
  const auto len = prefix ? static_cast<uint32_t>(std::strlen(buf)) : static_cast<uint32_t>(IFNAMSIZ);
  meta_cmp(rule_, input ? NFT_META_IIFNAME : NFT_META_OIFNAME, buf, len, equal);
  return *this;
}

Rule& Rule::match_l4proto(uint8_t proto) {
  meta_cmp(rule_, NFT_META_L4PROTO, &proto, 1, true);
  return *this;
}

Rule& Rule::match_dport(uint16_t port) {
  const uint16_t be = htons(port);
  // TCP, UDP and SCTP all carry the destination port at offset 2 of their header.
  return match_payload(NFT_PAYLOAD_TRANSPORT_HEADER, 2, &be, sizeof be);
}

Rule& Rule::match_fib_daddr_local() {
  auto* fib = nftnl_expr_alloc("fib");
  nftnl_expr_set_u32(fib, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
  nftnl_expr_set_u32(fib, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
  nftnl_expr_set_u32(fib, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
  add_expr(rule_, fib);
  const uint32_t local = RTN_LOCAL;
  add_cmp(rule_, NFT_CMP_EQ, &local, sizeof local);
  return *this;
}

Rule& Rule::match_ct_status_dnat() {
  ct_bits_set(rule_, NFT_CT_STATUS, IPS_DST_NAT);
  return *this;
}

Rule& Rule::match_ct_state_new() {
  ct_bits_set(rule_, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_NEW));
  return *this;
}

Rule& Rule::match_ct_state_established() {
  ct_bits_set(rule_, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED));
  return *this;
}

Rule& Rule::dnat(const IpAddr& addr, uint16_t port) {
  auto* a = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(a, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
  nftnl_expr_set(a, NFTNL_EXPR_IMM_DATA, addr.data(), static_cast<uint32_t>(addr.size()));
  add_expr(rule_, a);
  const uint16_t be = htons(port);
  auto* p = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(p, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
  nftnl_expr_set(p, NFTNL_EXPR_IMM_DATA, &be, sizeof be);
  add_expr(rule_, p);
  auto* nat = nftnl_expr_alloc("nat");
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_FAMILY, addr.is_v6() ? NFPROTO_IPV6 : NFPROTO_IPV4);
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
  nftnl_expr_set_u32(nat, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
  add_expr(rule_, nat);
  return *this;
}

Rule& Rule::masquerade() {
  add_expr(rule_, nftnl_expr_alloc("masq"));
  return *this;
}

Rule& Rule::verdict(int code, const std::string& chain) {
  auto* imm = nftnl_expr_alloc("immediate");
  nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
  nftnl_expr_set_u32(imm, NFTNL_EXPR_IMM_VERDICT, static_cast<uint32_t>(code));
  if (!chain.empty()) nftnl_expr_set_str(imm, NFTNL_EXPR_IMM_CHAIN, chain.c_str());
  add_expr(rule_, imm);
  return *this;
}

Rule& Rule::comment(const std::string& text) {
  comment_ = text;
  auto* ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
  nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, text.c_str());
  nftnl_rule_set_data(rule_, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
  nftnl_udata_buf_free(ud);
  return *this;
}

struct Batch::Impl {
  detail::NetlinkBuffer buf{1 << 17};
  mnl_nlmsg_batch* batch = nullptr;
  uint32_t first_seq = 0;
  Impl() {
    batch = mnl_nlmsg_batch_start(buf.data(), buf.size());
    first_seq = next_seq();
    nftnl_batch_begin(static_cast<char*>(mnl_nlmsg_batch_current(batch)), first_seq);
    mnl_nlmsg_batch_next(batch);
  }
  ~Impl() { mnl_nlmsg_batch_stop(batch); }
  nlmsghdr* hdr(uint16_t type, uint16_t family, uint16_t flags) {
    return nftnl_nlmsg_build_hdr(static_cast<char*>(mnl_nlmsg_batch_current(batch)), type, family,
                                 flags | NLM_F_ACK, next_seq());
  }
  void next() {
    if (!mnl_nlmsg_batch_next(batch)) throw Error(kInternal, "nftables batch too large");
  }
};

Batch::Batch() : impl_(std::make_unique<Impl>()) {}
Batch::~Batch() = default;

void Batch::add_table(uint16_t family, const std::string& table) {
  auto* t = nftnl_table_alloc();
  nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
  nftnl_table_set_str(t, NFTNL_TABLE_NAME, table.c_str());
  nftnl_table_nlmsg_build_payload(impl_->hdr(NFT_MSG_NEWTABLE, family, NLM_F_CREATE), t);
  nftnl_table_free(t);
  impl_->next();
  ++count_;
}

namespace {
nftnl_chain* make_chain(uint16_t family, const std::string& table, const std::string& chain) {
  auto* c = nftnl_chain_alloc();
  nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, family);
  nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table.c_str());
  nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain.c_str());
  return c;
}
}  // namespace

void Batch::add_chain(uint16_t family, const std::string& table, const std::string& chain,
                      const std::optional<BaseChain>& base) {
  auto* c = make_chain(family, table, chain);
  if (base) {
    nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, base->type.c_str());
    nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, base->hook);
    nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, base->priority);
    nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
  }
  nftnl_chain_nlmsg_build_payload(impl_->hdr(NFT_MSG_NEWCHAIN, family, NLM_F_CREATE), c);
  nftnl_chain_free(c);
  impl_->next();
  ++count_;
}

void Batch::flush_chain(uint16_t family, const std::string& table, const std::string& chain) {
  // Deleting rules without a handle flushes the chain.
  Rule r(family, table, chain);
  nftnl_rule_nlmsg_build_payload(impl_->hdr(NFT_MSG_DELRULE, family, 0), r.get());
  impl_->next();
  ++count_;
}

void Batch::delete_chain(uint16_t family, const std::string& table, const std::string& chain) {
  auto* c = make_chain(family, table, chain);
  nftnl_chain_nlmsg_build_payload(impl_->hdr(NFT_MSG_DELCHAIN, family, 0), c);
  nftnl_chain_free(c);
  impl_->next();
  ++count_;
}

void Batch::add_rule(const Rule& r) {
  nftnl_rule_nlmsg_build_payload(impl_->hdr(NFT_MSG_NEWRULE, static_cast<uint16_t>(nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY)),
                                            NLM_F_CREATE | NLM_F_APPEND),
                                 r.get());
  impl_->next();
  ++count_;
}

void Batch::delete_rule(uint16_t family, const std::string& table, const std::string& chain, uint64_t handle) {
  Rule r(family, table, chain);
  nftnl_rule_set_u64(r.get(), NFTNL_RULE_HANDLE, handle);
  nftnl_rule_nlmsg_build_payload(impl_->hdr(NFT_MSG_DELRULE, family, 0), r.get());
  impl_->next();
  ++count_;
}

void Batch::commit(const std::string& what) {
  if (count_ == 0) return;
  nftnl_batch_end(static_cast<char*>(mnl_nlmsg_batch_current(impl_->batch)), next_seq());
  mnl_nlmsg_batch_next(impl_->batch);
  Socket sock;
  if (mnl_socket_sendto(sock.s, mnl_nlmsg_batch_head(impl_->batch), mnl_nlmsg_batch_size(impl_->batch)) < 0)
    throw io_error(what, errno);
  // One ACK per message; the first error aborts the whole transaction in the kernel.
  detail::NetlinkBuffer buf(65536);
  int acked = 0;
  while (acked < count_) {
    ssize_t n = mnl_socket_recvfrom(sock.s, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error(what, errno);
    }
    int len = static_cast<int>(n);
    for (auto* m = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
      if (m->nlmsg_type != NLMSG_ERROR) continue;
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(m));
      if (err->error != 0) {
        auto ack = detail::netlink_ext_ack(m);
        throw Error(kIoFailure, what + ": " + std::strerror(-err->error), ack.empty() ? "" : "kernel: " + ack);
      }
      ++acked;
    }
  }
}

namespace {
// The family as nft(8) writes it, for lock file names a person can read.
std::string family_name(uint16_t family) {
  switch (family) {
    case NFPROTO_INET: return "inet";
    case NFPROTO_IPV4: return "ip";
    case NFPROTO_IPV6: return "ip6";
    case NFPROTO_BRIDGE: return "bridge";
    default: return std::to_string(family);
  }
}
}  // namespace

TableLock::TableLock(uint16_t family, const std::string& table)
    : lock_("/run/cnipp-nft-" + family_name(family) + "-" + table + ".lock") {}

std::vector<ListedRule> list_rules(uint16_t family, const std::string& table, const std::string& chain) {
  std::vector<ListedRule> out;
  detail::NetlinkBuffer buf(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETRULE, family, NLM_F_DUMP, next_seq());
  // The kernel filters the dump by the table (and the chain, when one is named).
  auto* filter = nftnl_rule_alloc();
  nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, table.c_str());
  if (!chain.empty()) nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_nlmsg_build_payload(nlh, filter);
  nftnl_rule_free(filter);
  dump(nlh, [&](const nlmsghdr* m) {
    auto* r = nftnl_rule_alloc();
    if (nftnl_rule_nlmsg_parse(m, r) == 0) {
      const char* c = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
      if (c && (chain.empty() || chain == c)) {
        ListedRule lr;
        lr.chain = c;
        lr.handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
        uint32_t len = 0;
        const void* ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
        if (ud) {
          nftnl_udata_parse(ud, len, [](const nftnl_udata* attr, void* data) -> int {
            if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT) {
              const char* s = static_cast<const char*>(nftnl_udata_get(attr));
              static_cast<ListedRule*>(data)->comment.assign(s, strnlen(s, nftnl_udata_len(attr)));
            }
            return 0;
          }, &lr);
        }
        out.push_back(lr);
      }
    }
    nftnl_rule_free(r);
  }, "failed to list nftables rules of " + table + "/" + chain);
  return out;
}

std::vector<ListedRule> delete_rules(uint16_t family, const std::string& table, const std::string& chain,
                                     const std::function<bool(const ListedRule&)>& select, const std::string& what) {
  TableLock lock(family, table);
  for (detail::DumpRetry retry;;) {
    std::vector<ListedRule> picked;
    for (auto& r : list_rules(family, table, chain))
      if (select(r)) picked.push_back(std::move(r));
    Batch b;
    for (const auto& r : picked) b.delete_rule(family, table, r.chain, r.handle);
    try {
      b.commit(what);
      return picked;
    } catch (const Error& e) {
      const bool gone = e.msg().find(std::strerror(ENOENT)) != std::string::npos;
      if (!gone || !retry.again()) throw;
    }
  }
}

namespace {
// Every chain of `table` (the kernel dumps all of the family's; we filter).
void each_chain(uint16_t family, const std::string& table, const std::string& what,
                const std::function<void(const nftnl_chain*)>& f) {
  detail::NetlinkBuffer buf(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETCHAIN, family, NLM_F_DUMP, next_seq());
  dump(nlh, [&](const nlmsghdr* m) {
    auto* c = nftnl_chain_alloc();
    if (nftnl_chain_nlmsg_parse(m, c) == 0) {
      const char* t = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
      if (t && table == t && nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)) f(c);
    }
    nftnl_chain_free(c);
  }, what);
}
}  // namespace

std::vector<std::string> list_chains(uint16_t family, const std::string& table) {
  std::vector<std::string> out;
  each_chain(family, table, "failed to list nftables chains of " + table,
             [&](const nftnl_chain* c) { out.emplace_back(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)); });
  return out;
}

std::optional<uint32_t> chain_policy(uint16_t family, const std::string& table, const std::string& chain) {
  std::optional<uint32_t> out;
  each_chain(family, table, "failed to read the policy of nftables chain " + table + "/" + chain, [&](const nftnl_chain* c) {
    if (chain == nftnl_chain_get_str(c, NFTNL_CHAIN_NAME) && nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
      out = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY);
  });
  return out;
}

namespace {
// Whether one expression of `r` is a cmp against exactly the bytes of one of `addrs`.
bool compares_with(nftnl_rule* r, const std::vector<IpAddr>& addrs) {
  struct Search {
    const std::vector<IpAddr>* addrs;
    bool found = false;
  } search{&addrs};
  nftnl_expr_foreach(r, [](nftnl_expr* e, void* data) -> int {
    auto* s = static_cast<Search*>(data);
    const char* name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
    uint32_t len = 0;
    const void* value = name && std::strcmp(name, "cmp") == 0 ? nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len) : nullptr;
    for (const auto& a : *s->addrs)
      if (value && len == a.size() && std::memcmp(value, a.data(), len) == 0) s->found = true;
    return 0;
  }, &search);
  return search.found;
}
}  // namespace

bool chain_compares_with(uint16_t family, const std::string& table, const std::string& chain,
                         const std::vector<IpAddr>& addrs) {
  detail::NetlinkBuffer buf(MNL_SOCKET_BUFFER_SIZE);
  auto* nlh = nftnl_nlmsg_build_hdr(buf.data(), NFT_MSG_GETRULE, family, NLM_F_DUMP, next_seq());
  auto* filter = nftnl_rule_alloc();
  nftnl_rule_set_str(filter, NFTNL_RULE_TABLE, table.c_str());
  nftnl_rule_set_str(filter, NFTNL_RULE_CHAIN, chain.c_str());
  nftnl_rule_nlmsg_build_payload(nlh, filter);
  nftnl_rule_free(filter);
  bool found = false;
  dump(nlh, [&](const nlmsghdr* m) {
    auto* r = nftnl_rule_alloc();
    if (!found && nftnl_rule_nlmsg_parse(m, r) == 0) {
      const char* c = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
      found = c && chain == c && compares_with(r, addrs);
    }
    nftnl_rule_free(r);
  }, "failed to list nftables rules of " + table + "/" + chain);
  return found;
}

}  // namespace cni::nft
