// Private to libcni: exec'ing iptables for the backends that must speak the reference's
// iptables layout (masquerade and portmap with "iptables" asked for explicitly). The only
// place a plugin execs a binary.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cni/exec.hpp"

namespace cni::detail::iptables {

// The tool's path in the usual sbin/bin directories; nullopt when not installed.
std::optional<std::string> find_tool(const std::string& name);
// Runs `tool` with `args` and `input` on stdin. Error(kPluginNotAvailable) when it is not installed.
ExecResult run(const std::string& tool, const std::vector<std::string>& args, const std::string& input);
// `iptables-restore --noflush` (ip6tables-restore for v6) of `script`; its stderr on failure.
void restore(bool v6, const std::string& script, const std::string& what);
// `iptables -t nat -S`; empty when the family's iptables does not work here.
std::string save_nat(bool v6);
// Whether the iptables backend may hold `chain` in the family's nat table, decided without
// exec'ing iptables (DEL runs this for every container, usually for nothing): iptables-nft
// keeps its chains in the nftables table "ip nat"/"ip6 nat"; legacy iptables shows in /proc.
bool may_have_chain(bool v6, const std::string& chain);

}  // namespace cni::detail::iptables
