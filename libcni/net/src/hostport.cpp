#include "cni/net/hostport.hpp"

// glibc's <netinet/in.h> first: it tells the kernel headers below not to define its types again.
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "cni/kernel/conntrack.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/nft.hpp"
#include "cni/kernel/sysctl.hpp"

namespace cni::hostport {

namespace {

constexpr const char* kPrerouting = "prerouting";
constexpr const char* kOutput = "output";
constexpr const char* kMasquerading = "masquerading";
constexpr const char* kGuard = "localnet_guard";
constexpr int32_t kDstnat = -100, kSrcnat = 100, kFilter = 0;

uint8_t nfproto(int family) { return family == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4; }
uint32_t saddr_offset(int family) { return family == 6 ? 8 : 12; }
uint32_t daddr_offset(int family) { return family == 6 ? 24 : 16; }

IpAddr prefix_mask(int family, int prefix) {
  return IpAddr::parse(family == 6 ? "::" : "0.0.0.0")->last_in(0).masked(prefix);
}

nft::Rule& match_addr(nft::Rule& r, uint32_t offset, const Cidr& c, bool equal = true) {
  const auto len = static_cast<uint32_t>(c.ip.size());
  if (c.prefix == c.ip.bits()) return r.match_payload(NFT_PAYLOAD_NETWORK_HEADER, offset, c.ip.data(), len, equal);
  const IpAddr net = c.ip.masked(c.prefix), mask = prefix_mask(c.ip.family(), c.prefix);
  return r.match_payload(NFT_PAYLOAD_NETWORK_HEADER, offset, net.data(), len, equal, mask.data());
}

std::string jump_comment(const std::string& chain) { return "jump " + chain; }
std::string dnat_detail(const Mapping& m) { return " " + proto_name(m.proto) + " " + std::to_string(m.host_port); }
constexpr const char* kMasqDetail = " masq";

// One DNAT rule: nfproto, protocol, host port, [host address], [not from excluded links],
// [conditions], dnat to the container.
nft::Rule dnat_rule(const Chain& chain, const Attachment& a, const Options& o, const Forward& f, const Mapping& m) {
  const int fam = f.container.ip.family();
  nft::Rule r(NFPROTO_INET, kTable, chain.name);
  r.match_nfproto(nfproto(fam)).match_l4proto(m.proto).match_dport(m.host_port);
  if (m.host_ip && !m.host_ip->is_unspecified()) match_addr(r, daddr_offset(fam), {*m.host_ip, m.host_ip->bits()});
  // Loopback destinations only where they can work: a DNATed packet from 127.0.0.1 needs
  // route_localnet and SNAT, and IPv6 has no route_localnet at all.
  if (fam == 6) match_addr(r, daddr_offset(fam), *Cidr::parse("::1/128"), /*equal=*/false);
  else if (!o.localhost) match_addr(r, daddr_offset(fam), *Cidr::parse("127.0.0.0/8"), /*equal=*/false);
  for (const auto& dev : o.exclude_iifnames) r.match_ifname(true, dev, /*equal=*/false);
  nft::apply_conditions(r, f.conditions, fam);
  r.dnat(f.container.ip, m.container_port).comment(attachment_comment(a, dnat_detail(m)));
  return r;
}

// Masquerade for connections we DNATed to this container from `source`, so the container
// answers through the host (which undoes the DNAT) rather than straight to a sibling on
// its subnet, or to a 127.0.0.1 it cannot reach.
nft::Rule masq_rule(const Attachment& a, const Forward& f, const std::optional<Cidr>& source) {
  const int fam = f.container.ip.family();
  nft::Rule r(NFPROTO_INET, kTable, kMasquerading);
  r.match_nfproto(nfproto(fam)).match_ct_status_dnat();
  if (source) match_addr(r, saddr_offset(fam), *source);
  match_addr(r, daddr_offset(fam), {f.container.ip, f.container.ip.bits()});
  r.masquerade().comment(attachment_comment(a, kMasqDetail));
  return r;
}

std::vector<nft::Rule> rules_for(const Chain& chain, const Attachment& a, const Options& o,
                                 const std::vector<Forward>& forwards) {
  std::vector<nft::Rule> out;
  for (const auto& f : forwards) {
    if (f.mappings.empty()) continue;
    for (const auto& m : f.mappings) out.push_back(dnat_rule(chain, a, o, f, m));
    if (!o.snat) continue;
    if (o.masq_all) {
      out.push_back(masq_rule(a, f, std::nullopt));
    } else {
      out.push_back(masq_rule(a, f, f.container.network()));
      if (f.container.ip.is_v4() && o.localhost) out.push_back(masq_rule(a, f, Cidr::parse("127.0.0.0/8")));
    }
  }
  return out;
}

nft::Rule jump_rule(const Chain& chain, const char* base) {
  nft::Rule r(NFPROTO_INET, kTable, base);
  r.match_fib_daddr_local().verdict(NFT_JUMP, chain.name).comment(jump_comment(chain.name));
  return r;
}

// ip daddr 127.0.0.0/8 arriving on anything but lo, new, not DNATed: drop. route_localnet
// (needed to forward 127.0.0.1) would otherwise let a neighbour reach the host's
// loopback-only services (containernetworking/plugins#729).
nft::Rule guard_rule() {
  nft::Rule r(NFPROTO_INET, kTable, kGuard);
  r.match_nfproto(NFPROTO_IPV4).match_ifname(true, "lo", /*equal=*/false);
  match_addr(r, daddr_offset(4), *Cidr::parse("127.0.0.0/8"));
  r.match_ct_state_new().verdict(NF_DROP).comment("route_localnet guard");
  return r;
}

std::vector<nft::ListedRule> of_attachment(const std::vector<nft::ListedRule>& all, const Attachment& a) {
  const auto tag = attachment_tag(a);
  std::vector<nft::ListedRule> out;
  for (const auto& r : all)
    if (comment_has_tag(r.comment, tag)) out.push_back(r);
  return out;
}

bool has_jump(const std::vector<nft::ListedRule>& all, const char* base, const std::string& chain) {
  return std::any_of(all.begin(), all.end(),
                     [&](const nft::ListedRule& r) { return r.chain == base && r.comment == jump_comment(chain); });
}

// The UDP host ports named by rule comments (" udp 5353").
std::vector<uint16_t> udp_ports(const std::vector<nft::ListedRule>& rules) {
  std::vector<uint16_t> out;
  for (const auto& r : rules) {
    // The detail follows the 33-character tag; npos (no UDP mapping) is larger still.
    auto pos = r.comment.find(" udp ");
    if (pos > 40) continue;
    try {
      out.push_back(static_cast<uint16_t>(std::stoi(r.comment.substr(pos + 5))));
    } catch (const std::exception&) {
    }
  }
  return out;
}

// Stale UDP flows would keep their old translation (or none) as long as packets keep
// coming; dropping their conntrack entries makes the next packet see the current rules.
// The rules are what matters, so a failure here is only reported.
void flush_udp(std::vector<uint16_t> ports) {
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  if (ports.empty()) return;
  try {
    conntrack::delete_by_dst_port(IPPROTO_UDP, ports);
  } catch (const Error& e) {
    std::fprintf(stderr, "warning: failed to flush UDP conntrack entries: %s\n", e.msg().c_str());
  }
}


}  // namespace

std::optional<uint8_t> parse_proto(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "tcp") return IPPROTO_TCP;
  if (lower == "udp") return IPPROTO_UDP;
  if (lower == "sctp") return IPPROTO_SCTP;
  return std::nullopt;
}

std::string proto_name(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP: return "tcp";
    case IPPROTO_UDP: return "udp";
    case IPPROTO_SCTP: return "sctp";
    default: return std::to_string(proto);
  }
}

Mapping make_mapping(int64_t host_port, int64_t container_port, const std::string& protocol,
                     const std::string& host_ip, const std::string& where) {
  auto bad = [&](const std::string& msg) { throw Error(kInvalidNetworkConfig, msg, "in " + where); };
  // The reference's wording for the ports (it only refused <= 0).
  if (container_port <= 0 || container_port > 65535)
    bad("Invalid container port number: " + std::to_string(container_port));
  if (host_port <= 0 || host_port > 65535) bad("Invalid host port number: " + std::to_string(host_port));
  Mapping m;
  m.host_port = static_cast<uint16_t>(host_port);
  m.container_port = static_cast<uint16_t>(container_port);
  auto proto = protocol.empty() ? std::optional<uint8_t>(IPPROTO_TCP) : parse_proto(protocol);
  if (!proto) bad("unknown protocol \"" + protocol + "\" (tcp, udp or sctp)");
  m.proto = *proto;
  if (!host_ip.empty()) {
    m.host_ip = IpAddr::parse(host_ip);
    if (!m.host_ip) bad("invalid hostIP \"" + host_ip + "\"");
  }
  return m;
}

ContainerAddresses container_addresses(const Result& r, const std::string& ifname) {
  ContainerAddresses out;
  for (const auto& ip : r.ips) {
    auto& slot = ip.address.ip.is_v4() ? out.v4 : out.v6;
    if (slot) continue;
    if (ip.interface && *ip.interface >= 0 && static_cast<size_t>(*ip.interface) < r.interfaces.size()) {
      const auto& i = r.interfaces[static_cast<size_t>(*ip.interface)];
      if (i.name != ifname || i.sandbox.empty()) continue;
    }
    slot = ip.address;
  }
  return out;
}

bool reserved_chain_name(const std::string& name) {
  for (const char* n : {kPrerouting, kOutput, kMasquerading, kGuard})
    if (name == n) return true;
  return false;
}

void add(const Chain& chain, const Attachment& a, const Options& o, const std::vector<Forward>& forwards) {
  std::vector<uint16_t> udp;
  for (const auto& f : forwards)
    for (const auto& m : f.mappings)
      if (m.proto == IPPROTO_UDP) udp.push_back(m.host_port);
  {
    // The dump and the batch built from it happen under the table's lock; the conntrack
    // flush after it, which walks the kernel's whole conntrack hash, does not hold it.
    nft::TableLock lock(NFPROTO_INET, kTable);
    const auto all = nft::list_rules(NFPROTO_INET, kTable, "");
    const auto old = of_attachment(all, a);
    nft::Batch b;
    // Every ADD but a host's first (per chain) finds the table, chains and jumps in place,
    // and the batch holds only this attachment's rules.
    if (!has_jump(all, kPrerouting, chain.name) || !has_jump(all, kOutput, chain.name)) {
      b.add_table(NFPROTO_INET, kTable);
      b.add_chain(NFPROTO_INET, kTable, kPrerouting, nft::BaseChain{"nat", NF_INET_PRE_ROUTING, kDstnat});
      b.add_chain(NFPROTO_INET, kTable, kOutput, nft::BaseChain{"nat", NF_INET_LOCAL_OUT, kDstnat});
      b.add_chain(NFPROTO_INET, kTable, kMasquerading, nft::BaseChain{"nat", NF_INET_POST_ROUTING, kSrcnat});
      b.add_chain(NFPROTO_INET, kTable, chain.name);
      if (o.localhost) {
        b.add_chain(NFPROTO_INET, kTable, kGuard, nft::BaseChain{"filter", NF_INET_LOCAL_IN, kFilter});
        b.flush_chain(NFPROTO_INET, kTable, kGuard);
        b.add_rule(guard_rule());
      }
      for (const char* base : {kPrerouting, kOutput})
        if (!has_jump(all, base, chain.name)) b.add_rule(jump_rule(chain, base));
    }
    for (const auto& r : old) b.delete_rule(NFPROTO_INET, kTable, r.chain, r.handle);
    for (auto& r : rules_for(chain, a, o, forwards)) b.add_rule(r);
    b.commit("failed to set up nftables port mappings");
    auto stale = udp_ports(old);
    udp.insert(udp.end(), stale.begin(), stale.end());
  }
  flush_udp(udp);
}

void del(const Attachment& a) {
  const auto tag = attachment_tag(a);
  const auto mine = nft::delete_rules(NFPROTO_INET, kTable, "", [&](const nft::ListedRule& r) {
    return comment_has_tag(r.comment, tag);
  }, "failed to delete nftables port mappings");
  flush_udp(udp_ports(mine));
}

std::string check(const Chain& chain, const Attachment& a, const Options& o, const std::vector<Forward>& forwards) {
  auto all = nft::list_rules(NFPROTO_INET, kTable, "");
  std::string problems;
  const bool any = std::any_of(forwards.begin(), forwards.end(), [](const Forward& f) { return !f.mappings.empty(); });
  for (const char* base : {kPrerouting, kOutput})
    if (any && !has_jump(all, base, chain.name))
      problems += std::string("no jump to chain \"") + chain.name + "\" in " + base + "; ";
  // Expected and present rules as (chain, comment) pairs, compared as multisets: a rule
  // deleted by hand, or one left over from other mappings, is found either way.
  std::map<std::pair<std::string, std::string>, int> diff;
  for (const auto& r : rules_for(chain, a, o, forwards)) diff[{r.chain(), r.comment_text()}]++;
  for (const auto& r : of_attachment(all, a)) diff[{r.chain, r.comment}]--;
  for (const auto& [key, n] : diff) {
    if (n > 0) problems += std::to_string(n) + " rule(s) \"" + key.second + "\" missing from " + key.first + "; ";
    if (n < 0) problems += std::to_string(-n) + " unexpected rule(s) \"" + key.second + "\" in " + key.first + "; ";
  }
  if (problems.size() >= 2) problems.resize(problems.size() - 2);
  return problems;
}

void gc(const Chain& chain, const std::string& network, const std::vector<Attachment>& keep) {
  std::vector<std::string> valid;
  for (const auto& k : keep) valid.push_back(attachment_tag(k));
  const auto net = network_tag(network) + "-";
  const auto stale = nft::delete_rules(NFPROTO_INET, kTable, "", [&](const nft::ListedRule& r) {
    return (r.chain == chain.name || r.chain == kMasquerading) && r.comment.starts_with(net) &&
           std::none_of(valid.begin(), valid.end(), [&](const std::string& t) { return comment_has_tag(r.comment, t); });
  }, "failed to collect stale nftables port mappings");
  flush_udp(udp_ports(stale));
}

void enable_localnet_routing(const IpAddr& container) {
  auto nl = Netlink::open();
  auto oif = nl.route_oif(container);
  if (!oif) return;
  auto link = nl.link(*oif);
  if (!link) return;
  try {
    sysctl_ensure("net/ipv4/conf/" + link->name + "/route_localnet", "1");
  } catch (const Error& e) {
    throw e.prefixed("unable to enable route_localnet on " + link->name);
  }
}

}  // namespace cni::hostport
