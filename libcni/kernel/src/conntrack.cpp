#include "cni/kernel/conntrack.hpp"

// glibc's <netinet/in.h> first: it tells the kernel headers below not to define its types again.
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "netlink_ack.hpp"

namespace cni::conntrack {

namespace {

struct Socket {
  mnl_socket* s = detail::open_netlink_socket(NETLINK_NETFILTER, "conntrack");
  ~Socket() { mnl_socket_close(s); }
};

nlmsghdr* put_header(char* buf, uint16_t type, uint16_t flags, uint8_t family, uint32_t seq) {
  auto* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = static_cast<uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | type);
  nlh->nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | flags);
  nlh->nlmsg_seq = seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  return nlh;
}

// The attributes that identify one entry: its original tuple and zone, as the kernel sent
// them (copied verbatim into the delete request).
struct Entry {
  uint8_t family = 0;
  std::vector<char> orig_tuple, zone;
};

// Protocol number and destination port of an original tuple (CTA_TUPLE_ORIG).
struct ProtoMatch {
  uint8_t proto = 0;
  uint16_t dport = 0;
  bool has_port = false;
};
int parse_proto(const nlattr* a, void* data) {
  auto* m = static_cast<ProtoMatch*>(data);
  if (mnl_attr_get_type(a) == CTA_PROTO_NUM) m->proto = mnl_attr_get_u8(a);
  if (mnl_attr_get_type(a) == CTA_PROTO_DST_PORT) {
    m->dport = ntohs(mnl_attr_get_u16(a));
    m->has_port = true;
  }
  return MNL_CB_OK;
}
int parse_tuple(const nlattr* a, void* data) {
  if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO) mnl_attr_parse_nested(a, parse_proto, data);
  return MNL_CB_OK;
}

std::vector<char> copy_attr(const nlattr* a) {
  const auto* p = reinterpret_cast<const char*>(a);
  return {p, p + a->nla_len};
}

}  // namespace

int delete_by_dst_port(uint8_t l4proto, const std::vector<uint16_t>& dst_ports) {
  if (dst_ports.empty()) return 0;
  auto count = read_file_if_exists("/proc/sys/net/netfilter/nf_conntrack_count");
  if (!count || count->starts_with("0")) return 0;  // nothing tracked here (or no conntrack at all)
  Socket sock;
  const uint32_t portid = mnl_socket_get_portid(sock.s);
  uint32_t seq = static_cast<uint32_t>(time(nullptr));

  // One dump of both families (AF_UNSPEC), filtered here: ctnetlink's own dump filter takes
  // flag values the kernel does not export, and walks the same buckets anyway.
  detail::NetlinkBuffer buf(MNL_SOCKET_BUFFER_SIZE);
  auto* req = put_header(buf.data(), IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, ++seq);
  std::vector<Entry> doomed;
  detail::netfilter_dump(sock.s, req, [&](const nlmsghdr* m) {
    Entry e;
    e.family = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(m))->nfgen_family;
    ProtoMatch match;
    struct Ctx {
      Entry* e;
      ProtoMatch* m;
    } ctx{&e, &match};
    mnl_attr_parse(m, sizeof(nfgenmsg), [](const nlattr* a, void* d) -> int {
      auto* c = static_cast<Ctx*>(d);
      if (mnl_attr_get_type(a) == CTA_TUPLE_ORIG) {
        c->e->orig_tuple = copy_attr(a);
        mnl_attr_parse_nested(a, parse_tuple, c->m);
      } else if (mnl_attr_get_type(a) == CTA_ZONE) {
        c->e->zone = copy_attr(a);
      }
      return MNL_CB_OK;
    }, &ctx);
    if (match.proto == l4proto && match.has_port && !e.orig_tuple.empty() &&
        std::find(dst_ports.begin(), dst_ports.end(), match.dport) != dst_ports.end())
      doomed.push_back(std::move(e));
  }, "failed to list conntrack entries");

  int deleted = 0;
  for (const auto& e : doomed) {
    auto* del = put_header(buf.data(), IPCTNL_MSG_CT_DELETE, NLM_F_ACK, e.family, ++seq);
    for (const auto* attr : {&e.orig_tuple, &e.zone}) {
      if (attr->empty()) continue;
      auto* tail = static_cast<char*>(mnl_nlmsg_get_payload_tail(del));
      const auto padded = MNL_ALIGN(static_cast<uint32_t>(attr->size()));
      std::memcpy(tail, attr->data(), attr->size());
      std::memset(tail + attr->size(), 0, padded - attr->size());
      del->nlmsg_len += padded;
    }
    if (mnl_socket_sendto(sock.s, del, del->nlmsg_len) < 0) throw io_error("failed to delete a conntrack entry", errno);
    ssize_t n = mnl_socket_recvfrom(sock.s, buf.data(), buf.size());
    if (n < 0) throw io_error("failed to delete a conntrack entry", errno);
    int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, nullptr, nullptr);
    if (rc >= 0) ++deleted;
    else if (errno != ENOENT) throw io_error("failed to delete a conntrack entry", errno);
  }
  return deleted;
}

}  // namespace cni::conntrack
