// The iptables masquerade backend, for hosts whose configs ask for it explicitly
// ("ipMasqBackend": "iptables"): one iptables-restore per change (iptables.hpp), instead of
// the reference's ten iptables calls.
#include <sstream>

#include "cni/base/error.hpp"
#include "cni/net/masq.hpp"
#include "cni/kernel/iptables.hpp"

namespace cni {

namespace {

using detail::iptables::find_tool;
using detail::iptables::may_have_chain;
using detail::iptables::restore;
using detail::iptables::save_nat;

std::string comment(const Attachment& a) { return "name: \\\"" + a.network + "\\\" id: \\\"" + a.container_id + "\\\""; }

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
    detail::iptables::TableLock lock(v6, "nat");
    restore(v6, s.str(), "failed to add iptables masquerade rules");
  }
}

void iptables_masq_del(const Attachment& a) {
  if (!find_tool("iptables-restore")) return;  // no iptables on this host: nothing of ours there
  const auto chain = masq_iptables_chain(a);
  for (bool v6 : {false, true}) {
    if (!find_tool(v6 ? "ip6tables" : "iptables") || !may_have_chain(v6, chain)) continue;
    detail::iptables::TableLock lock(v6, "nat");
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
