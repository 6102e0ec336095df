#include "cni/kernel/iptables.hpp"

#include <linux/netfilter.h>
#include <sys/stat.h>

#include <algorithm>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/kernel/nft.hpp"

namespace cni::detail::iptables {

std::optional<std::string> find_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) return p;
  }
  return std::nullopt;
}

ExecResult run(const std::string& tool, const std::vector<std::string>& args, const std::string& input) {
  auto path = find_tool(tool);
  if (!path) throw Error(kPluginNotAvailable, tool + " not found", "the iptables backend needs the iptables package");
  return exec_binary(*path, args, environ_with({}), input, true);
}

TableLock::TableLock(bool v6, const std::string& table)
    : lock_(std::string("/run/cnipp-iptables-") + (v6 ? "6-" : "4-") + table + ".lock") {}

void restore(bool v6, const std::string& script, const std::string& what) {
  auto r = run(v6 ? "ip6tables-restore" : "iptables-restore", {"--noflush", "-w", std::to_string(kXtablesWaitSeconds)},
               script);
  if (r.exit_code != 0) throw Error(kIoFailure, what + ": " + r.err, script);
}

std::string save(bool v6, const std::string& table) {
  const std::string tool = v6 ? "ip6tables" : "iptables";
  auto r = run(tool, {"-w", std::to_string(kXtablesWaitSeconds), "-t", table, "-S"}, "");
  if (r.exit_code != 0) throw Error(kIoFailure, "failed to list " + tool + " table " + table + ": " + r.err);
  return r.out;
}

namespace {
bool legacy_has_table(bool v6, const std::string& table) {
  auto names = read_file_if_exists(v6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names");
  return names && names->find(table) != std::string::npos;
}
}  // namespace

bool may_have_chain(bool v6, const std::string& chain, const std::string& table) {
  auto chains = nft::list_chains(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, table);
  if (std::find(chains.begin(), chains.end(), chain) != chains.end()) return true;
  return legacy_has_table(v6, table);
}

bool may_have_rule_for(bool v6, const std::string& chain, const std::string& table, const std::vector<IpAddr>& addrs) {
  return legacy_has_table(v6, table) || nft::chain_compares_with(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, table, chain, addrs);
}

}  // namespace cni::detail::iptables
