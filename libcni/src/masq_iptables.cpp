// The iptables masquerade backend, for hosts whose configs ask for it explicitly
// ("ipMasqBackend": "iptables"). The one place a plugin execs a binary: iptables-restore,
// once per change, instead of the reference's ten iptables calls.
#include <linux/netfilter.h>
#include <sys/stat.h>

#include <algorithm>

#include <sstream>

#include "cni/error.hpp"
#include "cni/exec.hpp"
#include "cni/fs.hpp"
#include "cni/masq.hpp"
#include "cni/nft.hpp"

namespace cni {

namespace {

std::optional<std::string> find_tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::string p = std::string(dir) + "/" + name;
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) return p;
  }
  return std::nullopt;
}

std::string comment(const Attachment& a) { return "name: \\\"" + a.network + "\\\" id: \\\"" + a.container_id + "\\\""; }

ExecResult run(const std::string& tool, const std::vector<std::string>& args, const std::string& input) {
  auto path = find_tool(tool);
  if (!path) throw Error(kPluginNotAvailable, tool + " not found", "ipMasqBackend \"iptables\" needs the iptables package");
  return exec_binary(*path, args, environ_with({}), input, true);
}

void restore(bool v6, const std::string& script, const std::string& what) {
  auto r = run(v6 ? "ip6tables-restore" : "iptables-restore", {"--noflush", "-w", "5"}, script);
  if (r.exit_code != 0) throw Error(kIoFailure, what + ": " + r.err);
}

std::string save_nat(bool v6) {
  auto r = run(v6 ? "ip6tables" : "iptables", {"-w", "5", "-t", "nat", "-S"}, "");
  return r.exit_code == 0 ? r.out : "";
}

}  // namespace

void iptables_masq_add(const Attachment& a, const std::vector<Cidr>& ips) {
  const auto chain = masq_iptables_chain(a);
  for (bool v6 : {false, true}) {
    std::ostringstream s;
    bool any = false;
    for (const auto& ip : ips) {
      if (ip.ip.is_v6() != v6) continue;
      if (!any) s << "*nat\n:" << chain << " - [0:0]\n";
      any = true;
      s << "-A " << chain << " -d " << ip.network().str() << " -m comment --comment \"" << comment(a) << "\" -j ACCEPT\n";
      s << "-A " << chain << " ! -d " << (v6 ? "ff00::/8" : "224.0.0.0/4") << " -m comment --comment \"" << comment(a)
        << "\" -j MASQUERADE\n";
      s << "-A POSTROUTING -s " << ip.ip.str() << " -m comment --comment \"" << comment(a) << "\" -j " << chain << "\n";
    }
    if (!any) continue;
    s << "COMMIT\n";
    restore(v6, s.str(), "failed to add iptables masquerade rules");
  }
}

// Whether the iptables backend may hold `chain` for this family, decided without exec'ing
// iptables (DEL runs this for every container, usually for nothing): iptables-nft keeps its
// chains in the nftables table "ip nat"/"ip6 nat"; legacy iptables shows in /proc.
static bool may_have_chain(bool v6, const std::string& chain) {
  auto chains = nft::list_chains(v6 ? NFPROTO_IPV6 : NFPROTO_IPV4, "nat");
  if (std::find(chains.begin(), chains.end(), chain) != chains.end()) return true;
  auto legacy = read_file_if_exists(v6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names");
  return legacy && legacy->find("nat") != std::string::npos;
}

void iptables_masq_del(const Attachment& a) {
  if (!find_tool("iptables-restore")) return;  // no iptables on this host: nothing of ours there
  const auto chain = masq_iptables_chain(a);
  for (bool v6 : {false, true}) {
    if (!find_tool(v6 ? "ip6tables" : "iptables") || !may_have_chain(v6, chain)) continue;
    auto rules = save_nat(v6);
    if (rules.find(chain) == std::string::npos) continue;
    std::ostringstream s;
    s << "*nat\n";
    std::istringstream in(rules);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("-A POSTROUTING ", 0) == 0 && line.find("-j " + chain) != std::string::npos)
        s << "-D" << line.substr(2) << "\n";
    s << "-F " << chain << "\n-X " << chain << "\nCOMMIT\n";
    restore(v6, s.str(), "failed to delete iptables masquerade rules");
  }
}

bool iptables_masq_present(const Attachment& a, const std::vector<Cidr>& ips) {
  const auto chain = masq_iptables_chain(a);
  for (bool v6 : {false, true}) {
    bool wanted = false;
    for (const auto& ip : ips) wanted = wanted || ip.ip.is_v6() == v6;
    if (wanted && save_nat(v6).find("-j " + chain) == std::string::npos) return false;
  }
  return true;
}

}  // namespace cni
