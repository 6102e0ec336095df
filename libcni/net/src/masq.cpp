#include "cni/net/masq.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <sys/socket.h>

#include <algorithm>

#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"
#include "cni/kernel/nft.hpp"

namespace cni {

namespace {

constexpr const char* kTable = "cni_plugins_masquerade";
constexpr const char* kChecks = "masq_checks";
constexpr const char* kPostrouting = "postrouting";
constexpr int32_t kSrcnatPriority = 100;

nft::Rule multicast_return(bool v6) {
  nft::Rule r(NFPROTO_INET, kTable, kPostrouting);
  if (!v6) {
    const uint8_t mask[4] = {0xf0, 0, 0, 0}, net[4] = {224, 0, 0, 0};
    r.match_nfproto(NFPROTO_IPV4).match_payload(NFT_PAYLOAD_NETWORK_HEADER, 16, net, 4, true, mask);
  } else {
    uint8_t mask[16] = {0xff}, net[16] = {0xff};
    r.match_nfproto(NFPROTO_IPV6).match_payload(NFT_PAYLOAD_NETWORK_HEADER, 24, net, 16, true, mask);
  }
  r.verdict(NFT_RETURN);
  return r;
}

// ip saddr == <ip> ip daddr != <subnet> masquerade   (ip6 alike)
nft::Rule masq_rule(const Attachment& a, const Cidr& ip) {
  nft::Rule r(NFPROTO_INET, kTable, kChecks);
  const bool v6 = ip.ip.is_v6();
  const uint32_t saddr = v6 ? 8 : 12, daddr = v6 ? 24 : 16, len = v6 ? 16 : 4;
  IpAddr net = ip.ip.masked(ip.prefix);
  IpAddr mask = IpAddr::parse(v6 ? "::" : "0.0.0.0")->last_in(0).masked(ip.prefix);
  r.match_nfproto(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4)
      .match_payload(NFT_PAYLOAD_NETWORK_HEADER, saddr, ip.ip.data(), len)
      .match_payload(NFT_PAYLOAD_NETWORK_HEADER, daddr, net.data(), len, /*equal=*/false, mask.data())
      .masquerade()
      .comment(attachment_comment(a));
  return r;
}

std::vector<nft::ListedRule> rules_of(const Attachment& a) {
  const auto tag = attachment_tag(a);
  std::vector<nft::ListedRule> out;
  for (auto& r : nft::list_rules(NFPROTO_INET, kTable, kChecks))
    if (comment_has_tag(r.comment, tag)) out.push_back(r);
  return out;
}

}  // namespace

std::string masq_iptables_chain(const Attachment& a) {
  return "CNI-" + sha512_hex(a.network + a.container_id).substr(0, 24);
}

// Defined in masq_iptables.cpp.
void iptables_masq_add(const Attachment& a, const std::vector<Cidr>& ips);
void iptables_masq_del(const Attachment& a);
bool iptables_masq_present(const Attachment& a, const std::vector<Cidr>& ips);

void masq_add(MasqBackend backend, const Attachment& a, const std::vector<Cidr>& ips) {
  if (backend == MasqBackend::iptables) return iptables_masq_add(a, ips);
  nft::TableLock lock(NFPROTO_INET, kTable);
  // Fast path, every ADD but a host's first: the table and chains exist, so the batch holds
  // only this attachment's rules. A missing table fails the whole batch (ENOENT) and
  // nothing was changed; then the full batch below creates everything.
  try {
    nft::Batch quick;
    for (const auto& ip : ips) quick.add_rule(masq_rule(a, ip));
    quick.commit("failed to add nftables masquerade rules");
    return;
  } catch (const Error& e) {
    if (e.msg().find("No such file or directory") == std::string::npos) throw;
  }
  // One transaction: the table and chains are created if missing, the postrouting chain is
  // rewritten (flush + the same three rules, so concurrent ADDs converge), and the rules
  // for this attachment appended.
  nft::Batch b;
  b.add_table(NFPROTO_INET, kTable);
  b.add_chain(NFPROTO_INET, kTable, kChecks);
  b.add_chain(NFPROTO_INET, kTable, kPostrouting, nft::BaseChain{"nat", NF_INET_POST_ROUTING, kSrcnatPriority});
  b.flush_chain(NFPROTO_INET, kTable, kPostrouting);
  b.add_rule(multicast_return(false));
  b.add_rule(multicast_return(true));
  nft::Rule go(NFPROTO_INET, kTable, kPostrouting);
  go.verdict(NFT_GOTO, kChecks);
  b.add_rule(go);
  for (const auto& ip : ips) b.add_rule(masq_rule(a, ip));
  b.commit("failed to add nftables masquerade rules");
}

void masq_del(const Attachment& a) {
  const auto tag = attachment_tag(a);
  nft::delete_rules(NFPROTO_INET, kTable, kChecks, [&](const nft::ListedRule& r) { return comment_has_tag(r.comment, tag); },
                    "failed to delete nftables masquerade rules");
  iptables_masq_del(a);
}

bool masq_present(MasqBackend backend, const Attachment& a, const std::vector<Cidr>& ips) {
  if (backend == MasqBackend::iptables) return iptables_masq_present(a, ips);
  return rules_of(a).size() >= ips.size();
}

void masq_gc(const std::string& network, const std::vector<Attachment>& keep) {
  std::vector<std::string> valid;
  for (const auto& a : keep) valid.push_back(attachment_comment(a));
  const auto net = network_tag(network) + "-";
  nft::delete_rules(NFPROTO_INET, kTable, kChecks, [&](const nft::ListedRule& r) {
    return r.comment.starts_with(net) && std::find(valid.begin(), valid.end(), r.comment) == valid.end();
  }, "failed to collect stale nftables masquerade rules");
}

}  // namespace cni
