// Extra match conditions an operator writes in nft syntax (portmap's conditionsV4 and
// conditionsV6, e.g. ["ip", "daddr", "!=", "192.0.2.0/24"]), turned into nftables
// expressions without libnftables. The subset (docs/port-mapping.md):
//   ip|ip6 saddr|daddr [==|!=] ADDRESS|CIDR       ip daddr != { CIDR, CIDR, ... }
//   [meta] iifname|oifname [==|!=] NAME|"NAME"|NAME*
// Conditions are ANDed; tokens may be split or joined by spaces as the operator likes.
#pragma once

#include <string>
#include <vector>

#include "cni/base/ip.hpp"
#include "cni/kernel/nft.hpp"

namespace cni::nft {

struct Condition {
  enum class Field { saddr, daddr, iifname, oifname } field;
  bool equal = true;
  std::vector<Cidr> cidrs;  // addresses: one with ==, one or more with != (each must differ)
  std::string ifname;       // interface names
  bool prefix = false;      // NAME*: the name's leading bytes
};

// Parses `tokens` for rules of `family` (4 or 6): an ip6 condition in conditionsV4, say,
// is an error. Throws Error(kInvalidNetworkConfig) naming `key` and what did not parse.
std::vector<Condition> parse_conditions(const std::vector<std::string>& tokens, int family, const std::string& key);

// Adds the conditions' expressions to a rule of `family`.
void apply_conditions(Rule& rule, const std::vector<Condition>& conditions, int family);

}  // namespace cni::nft
