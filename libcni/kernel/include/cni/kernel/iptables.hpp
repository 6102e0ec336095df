// libcni's own (namespace cni::detail, not for plugins): exec'ing iptables for the net
// layer's backends that must speak the reference's iptables layout (masquerade, port
// mappings and the firewall with "iptables" asked for explicitly). The only place a plugin
// execs a binary.
#pragma once

#include <algorithm>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cni/base/exec.hpp"
#include "cni/base/fs.hpp"
#include "cni/base/ip.hpp"

namespace cni::detail::iptables {

// How long an iptables child waits for the xtables lock (-w) before failing: a deadline in
// seconds, so a burst of other writers (ours, the reference's, kube-proxy's) delays a call
// instead of failing it.
inline constexpr int kXtablesWaitSeconds = 30;

// Serializes cnipp's read-modify-write of one iptables table (a save, then a restore built
// from it) across processes: an exclusive flock on /run/cnipp-iptables-<4|6>-<table>.lock.
// The xtables lock cannot do it: each iptables child takes and drops that one, so between
// our save and our restore another ADD could declare (and so flush) a shared chain, or
// delete a rule our restore then fails to delete. Taken before the save, kept until after
// the restore.
class TableLock {
 public:
  TableLock(bool v6, const std::string& table);

 private:
  FileLock lock_;
};

// The tool's path in the usual sbin/bin directories; nullopt when not installed.
std::optional<std::string> find_tool(const std::string& name);
// Runs `tool` with `args` and `input` on stdin. Error(kPluginNotAvailable) when it is not installed.
ExecResult run(const std::string& tool, const std::vector<std::string>& args, const std::string& input);
// `iptables-restore --noflush` (ip6tables-restore for v6) of `script`; its stderr on failure.
void restore(bool v6, const std::string& script, const std::string& what);
// `iptables -t <table> -S`. Throws when the tool fails: an empty listing taken for the truth
// would make the restore after it re-declare (flush) every shared chain.
std::string save(bool v6, const std::string& table);
inline std::string save_nat(bool v6) { return save(v6, "nat"); }

// A table as `iptables -S` lists it, one line each ("-N CHAIN", "-A CHAIN ...").
struct Listing {
  std::vector<std::string> lines;
  explicit Listing(const std::string& text) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  bool has_line(const std::string& l) const { return std::find(lines.begin(), lines.end(), l) != lines.end(); }
  bool has_chain(const std::string& c) const { return has_line("-N " + c); }
  bool has_rules(const std::string& c) const {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with("-A " + c + " "); });
  }
  // The rules (as "-A ..." lines) of `in` (any chain when empty) that jump to `target`.
  std::vector<std::string> jumps_to(const std::string& target, const std::string& in = {}) const {
    std::vector<std::string> out;
    for (const auto& l : lines)
      if (l.starts_with("-A ") && l.ends_with(" -j " + target) && (in.empty() || l.starts_with("-A " + in + " ")))
        out.push_back(l);
    return out;
  }
  size_t count_rules(const std::string& c) const {
    return static_cast<size_t>(
        std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.starts_with("-A " + c + " "); }));
  }
};

// An "-A ..." line as the "-D ..." line that deletes that rule.
inline std::string del_line(const std::string& a_line) { return "-D" + a_line.substr(2); }
// Whether the iptables backend may hold `chain` in the family's nat table, decided without
// exec'ing iptables (DEL runs this for every container, usually for nothing): iptables-nft
// keeps its chains in the nftables table "ip nat"/"ip6 nat"; legacy iptables shows in /proc.
bool may_have_chain(bool v6, const std::string& chain, const std::string& table = "nat");
// Whether `chain` of the family's `table` may hold a rule for one of `addrs`, decided the
// same way: legacy iptables cannot be read without iptables, so its table counts as "may";
// an iptables-nft rule for an address compares the packet's address with its bytes. For a
// chain that stays on a host for good once some plugin made it (the reference firewall's
// CNI-FORWARD), where may_have_chain() would mean an exec on every DEL.
bool may_have_rule_for(bool v6, const std::string& chain, const std::string& table, const std::vector<IpAddr>& addrs);

}  // namespace cni::detail::iptables
