#include "cni/net/firewall.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/kernel/nft.hpp"

namespace cni::firewall {

namespace {

constexpr const char* kForward = "forward";
constexpr const char* kAdmin = "admin";
constexpr const char* kAllow = "allow";
constexpr const char* kStage1 = "isolation_stage_1";
constexpr const char* kStage2 = "isolation_stage_2";
constexpr int32_t kFilterPriority = 0;

nft::Rule address_rule(const Attachment& a, const Cidr& ip, bool replies) {
  nft::Rule r(NFPROTO_INET, kTable, kAllow);
  const bool v6 = ip.ip.is_v6();
  const uint32_t saddr = v6 ? 8 : 12, daddr = v6 ? 24 : 16, len = v6 ? 16 : 4;
  r.match_nfproto(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
  if (replies) {
    r.match_payload(NFT_PAYLOAD_NETWORK_HEADER, daddr, ip.ip.data(), len).match_ct_state_established();
  } else {
    r.match_payload(NFT_PAYLOAD_NETWORK_HEADER, saddr, ip.ip.data(), len);
  }
  r.verdict(NF_ACCEPT).comment(attachment_comment(a, replies ? " to" : " from"));
  return r;
}

std::string isolation_comment(const std::string& bridge) { return "same-bridge: " + bridge; }
std::string intra_isolation_comment(const std::string& bridge) { return "isolated: " + bridge; }

std::vector<nft::ListedRule> rules_of(const Attachment& a) {
  const auto tag = attachment_tag(a);
  std::vector<nft::ListedRule> out;
  for (auto& r : nft::list_rules(NFPROTO_INET, kTable, kAllow))
    if (comment_has_tag(r.comment, tag)) out.push_back(r);
  return out;
}

// The table, its chains and the forward chain's three jumps (rewritten, so concurrent ADDs
// converge on the same content). The admin chain is created, never flushed.
void add_layout(nft::Batch& b) {
  b.add_table(NFPROTO_INET, kTable);
  for (const char* c : {kAdmin, kAllow, kStage1, kStage2}) b.add_chain(NFPROTO_INET, kTable, c);
  b.add_chain(NFPROTO_INET, kTable, kForward, nft::BaseChain{"filter", NF_INET_FORWARD, kFilterPriority});
  b.flush_chain(NFPROTO_INET, kTable, kForward);
  for (const char* c : {kStage1, kAdmin, kAllow}) {
    nft::Rule j(NFPROTO_INET, kTable, kForward);
    j.verdict(NFT_JUMP, c);
    b.add_rule(j);
  }
}

bool missing_table(const Error& e) { return e.msg().find("No such file or directory") != std::string::npos; }

}  // namespace

void add(const Attachment& a, const std::vector<Cidr>& ips) {
  auto rules = [&](nft::Batch& b) {
    for (const auto& ip : ips) {
      b.add_rule(address_rule(a, ip, true));
      b.add_rule(address_rule(a, ip, false));
    }
  };
  nft::TableLock lock(NFPROTO_INET, kTable);
  // Every ADD but a host's first: the table is there and the batch holds only our rules.
  try {
    nft::Batch quick;
    rules(quick);
    quick.commit("failed to add nftables firewall rules");
    return;
  } catch (const Error& e) {
    if (!missing_table(e)) throw;
  }
  nft::Batch b;
  add_layout(b);
  rules(b);
  b.commit("failed to add nftables firewall rules");
}

void del(const Attachment& a) {
  const auto tag = attachment_tag(a);
  nft::delete_rules(NFPROTO_INET, kTable, kAllow, [&](const nft::ListedRule& r) { return comment_has_tag(r.comment, tag); },
                    "failed to delete nftables firewall rules");
}

std::string check(const Attachment& a, const std::vector<Cidr>& ips) {
  auto chains = nft::list_chains(NFPROTO_INET, kTable);
  for (const char* c : {kForward, kAdmin, kAllow})
    if (std::find(chains.begin(), chains.end(), c) == chains.end())
      return std::string("chain ") + c + " of table inet " + kTable + " is missing";
  if (nft::list_rules(NFPROTO_INET, kTable, kForward).size() < 3)
    return std::string("the jumps of chain ") + kForward + " are missing";
  const size_t have = rules_of(a).size(), want = 2 * ips.size();
  if (have < want)
    return "the attachment has " + std::to_string(have) + " of its " + std::to_string(want) + " rules in chain " + kAllow;
  return {};
}

void gc(const std::string& network, const std::vector<Attachment>& keep) {
  std::vector<std::string> valid;
  for (const auto& a : keep) valid.push_back(attachment_tag(a));
  const auto net = network_tag(network) + "-";
  nft::delete_rules(NFPROTO_INET, kTable, kAllow, [&](const nft::ListedRule& r) {
    return r.comment.starts_with(net) &&
           std::none_of(valid.begin(), valid.end(), [&](const std::string& t) { return comment_has_tag(r.comment, t); });
  }, "failed to collect stale nftables firewall rules");
}

namespace {
bool has_comment(const std::vector<nft::ListedRule>& rules, const std::string& comment) {
  return std::any_of(rules.begin(), rules.end(), [&](const nft::ListedRule& r) { return r.comment == comment; });
}
}  // namespace

void isolate_bridge(const std::string& bridge, bool intra_bridge) {
  const auto c = isolation_comment(bridge), intra = intra_isolation_comment(bridge);
  nft::TableLock lock(NFPROTO_INET, kTable);
  const auto stage1 = nft::list_rules(NFPROTO_INET, kTable, kStage1);
  const bool between = has_comment(stage1, c) && has_comment(nft::list_rules(NFPROTO_INET, kTable, kStage2), c);
  const bool within = !intra_bridge || has_comment(stage1, intra);
  if (between && within) return;
  nft::Batch b;
  add_layout(b);
  if (!between) {
    nft::Rule s1(NFPROTO_INET, kTable, kStage1);
    s1.match_ifname(true, bridge).match_ifname(false, bridge, false).verdict(NFT_JUMP, kStage2).comment(c);
    nft::Rule s2(NFPROTO_INET, kTable, kStage2);
    s2.match_ifname(false, bridge).verdict(NF_DROP).comment(c);
    b.add_rule(s1);
    b.add_rule(s2);
  }
  if (!within) {
    nft::Rule s1(NFPROTO_INET, kTable, kStage1);
    s1.match_ifname(true, bridge).match_ifname(false, bridge).verdict(NF_DROP).comment(intra);
    b.add_rule(s1);
  }
  b.commit("failed to add bridge isolation for bridge \"" + bridge + "\"");
}

bool host_filters_forwarding_with_iptables() {
  for (const char* names : {"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"}) {
    auto t = read_file_if_exists(names);
    if (t && t->find("filter") != std::string::npos) return true;
  }
  for (uint16_t family : {NFPROTO_IPV4, NFPROTO_IPV6}) {
    auto policy = nft::chain_policy(family, "filter", "FORWARD");
    if (!policy) continue;
    if (*policy == NF_DROP || !nft::list_rules(family, "filter", "FORWARD").empty()) return true;
  }
  return false;
}

}  // namespace cni::firewall
