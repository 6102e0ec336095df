// nftables over netlink (libnftnl messages, libmnl socket): atomic batches and rule
// listing by comment. The mechanism under masquerade, MAC spoof checking and host port
// forwarding; plugins use those, not this.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cni/base/fs.hpp"

struct nftnl_rule;
namespace cni {
class IpAddr;
}

namespace cni::nft {

// Serializes cnipp's changes to one shared table across processes, as iptables' xtables
// lock does for its tables: an exclusive flock on /run/cnipp-nft-<family>-<table>.lock, held until
// destruction. nftables makes each batch atomic, but not a list followed by a batch built
// from what was listed (a rule handle another DEL removed meanwhile fails the whole batch,
// and every commit interrupts the dumps running beside it). Every change to a table shared
// by attachments (masquerade, host ports, firewall, the spoof check's bridge table) is made
// under its lock; writers outside cnipp do not take it, so dumps still restart when
// interrupted (netlink_ack.hpp).
class TableLock {
 public:
  TableLock(uint16_t family, const std::string& table);

 private:
  FileLock lock_;
};

struct BaseChain {
  std::string type;  // "nat", "filter"
  uint32_t hook;     // NF_INET_POST_ROUTING, NF_BR_PRE_ROUTING, ...
  int32_t priority;
};

// An owned libnftnl rule under construction.
class Rule {
 public:
  Rule(uint16_t family, const std::string& table, const std::string& chain);
  ~Rule();
  Rule(Rule&&) noexcept;
  Rule(const Rule&) = delete;

  Rule& match_nfproto(uint8_t nfproto);  // inet tables: ip vs ip6 dependency
  // network-header field (offset, len) compared eq/neq with `value` after `mask` (optional)
  Rule& match_payload(uint32_t base, uint32_t offset, const void* value, uint32_t len, bool equal = true,
                      const void* mask = nullptr);
  Rule& match_iifname(const std::string& ifname) { return match_ifname(true, ifname); }
  // iifname/oifname ==/!= name; `prefix`: the name's bytes only ("eth*" in nft).
  Rule& match_ifname(bool input, const std::string& name, bool equal = true, bool prefix = false);
  Rule& match_l4proto(uint8_t proto);  // meta l4proto (IPPROTO_TCP, ...)
  Rule& match_dport(uint16_t port);    // th dport (after match_l4proto)
  Rule& match_fib_daddr_local();       // fib daddr type local
  Rule& match_ct_status_dnat();        // ct status dnat (the connection was DNATed)
  Rule& match_ct_state_new();          // ct state new
  Rule& match_ct_state_established();  // ct state established,related
  Rule& masquerade();
  // dnat ip|ip6 to addr:port (inet tables need the family, taken from `addr`).
  Rule& dnat(const cni::IpAddr& addr, uint16_t port);
  Rule& verdict(int code, const std::string& chain = "");  // NFT_GOTO/NFT_JUMP/NFT_RETURN/NF_DROP
  Rule& comment(const std::string& text);
  nftnl_rule* get() const { return rule_; }
  const std::string& chain() const { return chain_; }
  const std::string& comment_text() const { return comment_; }

 private:
  nftnl_rule* rule_;
  std::string chain_, comment_;
};

class Batch {
 public:
  Batch();
  ~Batch();
  void add_table(uint16_t family, const std::string& table);
  void add_chain(uint16_t family, const std::string& table, const std::string& chain,
                 const std::optional<BaseChain>& base = std::nullopt);
  void flush_chain(uint16_t family, const std::string& table, const std::string& chain);
  void delete_chain(uint16_t family, const std::string& table, const std::string& chain);
  void add_rule(const Rule& r);
  void delete_rule(uint16_t family, const std::string& table, const std::string& chain, uint64_t handle);
  bool empty() const { return count_ == 0; }
  // Sends the batch as one transaction and checks every ACK; errors name `what`.
  void commit(const std::string& what);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int count_ = 0;
};

struct ListedRule {
  std::string chain;
  uint64_t handle = 0;
  std::string comment;
};
// Rules of one chain (every chain of the table when `chain` is empty) with their comments;
// empty when the table or chain does not exist.
std::vector<ListedRule> list_rules(uint16_t family, const std::string& table, const std::string& chain);
std::vector<std::string> list_chains(uint16_t family, const std::string& table);
// Deletes, in one transaction under the table's lock, the rules of `chain` (every chain
// when empty) that `select` picks, and returns them. Our own writers hold the lock, so none
// removes a listed rule before the batch; a writer outside cnipp can (an operator's `nft
// delete`), which fails the batch as a whole with ENOENT: then it is listed and sent again,
// until the dump deadline. Errors name `what`.
std::vector<ListedRule> delete_rules(uint16_t family, const std::string& table, const std::string& chain,
                                     const std::function<bool(const ListedRule&)>& select, const std::string& what);
// A base chain's policy (NF_ACCEPT / NF_DROP); nullopt when the chain does not exist or is
// not a base chain.
std::optional<uint32_t> chain_policy(uint16_t family, const std::string& table, const std::string& chain);
// Whether a rule of `chain` compares a register with the bytes of one of `addrs`, as the
// rules iptables-nft makes for "-s/-d a.b.c.d/32" do (a payload load, then that compare).
// False when the table or chain does not exist.
bool chain_compares_with(uint16_t family, const std::string& table, const std::string& chain,
                         const std::vector<IpAddr>& addrs);

}  // namespace cni::nft
