// macspoofchk: the reference's layout in table `bridge nat`: a PREROUTING filter chain
// jumps, per container port, to a chain that returns for the container's MAC and drops
// everything else. All rules carry "macspoofchk-<containerID>-<ifname>".
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>

#include <algorithm>

#include "cni/base/error.hpp"
#include "cni/net/masq.hpp"
#include "cni/kernel/nft.hpp"

namespace cni {

namespace {
constexpr const char* kTable = "nat";
constexpr const char* kPrerouting = "PREROUTING";
std::string tag(const Attachment& a) { return "macspoofchk-" + a.container_id + "-" + a.ifname; }
std::string iface_chain(const Attachment& a) { return "cni-br-iface-" + a.container_id + "-" + a.ifname; }
}  // namespace

void spoofcheck_add(const Attachment& a, const std::string& host_ifname, const Mac& mac) {
  const auto chain = iface_chain(a);
  const auto mac_chain = chain + "-mac";
  nft::TableLock lock(NFPROTO_BRIDGE, kTable);
  nft::Batch b;
  b.add_table(NFPROTO_BRIDGE, kTable);
  b.add_chain(NFPROTO_BRIDGE, kTable, kPrerouting, nft::BaseChain{"filter", NF_BR_PRE_ROUTING, -300});
  b.add_chain(NFPROTO_BRIDGE, kTable, chain);
  b.add_chain(NFPROTO_BRIDGE, kTable, mac_chain);
  nft::Rule jump(NFPROTO_BRIDGE, kTable, kPrerouting);
  jump.match_iifname(host_ifname).verdict(NFT_JUMP, chain).comment(tag(a));
  b.add_rule(jump);
  nft::Rule to_mac(NFPROTO_BRIDGE, kTable, chain);
  to_mac.verdict(NFT_JUMP, mac_chain).comment(tag(a));
  b.add_rule(to_mac);
  nft::Rule allow(NFPROTO_BRIDGE, kTable, mac_chain);
  allow.match_payload(NFT_PAYLOAD_LL_HEADER, 6, mac.data(), 6).verdict(NFT_RETURN).comment(tag(a));
  b.add_rule(allow);
  nft::Rule drop(NFPROTO_BRIDGE, kTable, mac_chain);
  drop.verdict(NF_DROP).comment(tag(a));
  b.add_rule(drop);
  b.commit("failed to add MAC spoof check rules");
}

void spoofcheck_del(const Attachment& a) {
  const auto chain = iface_chain(a);
  nft::TableLock lock(NFPROTO_BRIDGE, kTable);
  auto chains = nft::list_chains(NFPROTO_BRIDGE, kTable);
  nft::Batch b;
  for (const auto& r : nft::list_rules(NFPROTO_BRIDGE, kTable, kPrerouting))
    if (r.comment == tag(a)) b.delete_rule(NFPROTO_BRIDGE, kTable, kPrerouting, r.handle);
  for (const auto& c : {chain, chain + "-mac"}) {
    if (std::find(chains.begin(), chains.end(), c) == chains.end()) continue;
    b.flush_chain(NFPROTO_BRIDGE, kTable, c);
  }
  // The per-port chain references the -mac chain: delete it first.
  for (const auto& c : {chain, chain + "-mac"})
    if (std::find(chains.begin(), chains.end(), c) != chains.end()) b.delete_chain(NFPROTO_BRIDGE, kTable, c);
  b.commit("failed to delete MAC spoof check rules");
}

bool spoofcheck_present(const Attachment& a) {
  for (const auto& r : nft::list_rules(NFPROTO_BRIDGE, kTable, kPrerouting))
    if (r.comment == tag(a)) return true;
  return false;
}

}  // namespace cni
