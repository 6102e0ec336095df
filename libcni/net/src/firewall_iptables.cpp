// The firewall plugin's iptables backend in the reference's exact layout (cni/net/firewall.hpp).
// Where the reference execs iptables once per rule (check, then insert or append), this is
// one `iptables -S` and at most one iptables-restore per family.
#include <set>

#include "cni/base/error.hpp"
#include "cni/net/firewall.hpp"
#include "cni/kernel/iptables.hpp"

namespace cni::firewall::iptables {

namespace {

namespace ipt = detail::iptables;

constexpr const char* kPrivChain = "CNI-FORWARD";
constexpr const char* kStage1 = "CNI-ISOLATION-STAGE-1";
constexpr const char* kStage2 = "CNI-ISOLATION-STAGE-2";
constexpr const char* kIsolationComment = "\"CNI firewall plugin rules (ingressPolicy: same-bridge)\"";
constexpr const char* kIntraIsolationComment = "\"CNI firewall plugin rules (ingressPolicy: isolated)\"";

std::string host_cidr(const Cidr& ip) { return ip.ip.str() + (ip.ip.is_v6() ? "/128" : "/32"); }

// Rules as `iptables -S` prints them; "-A" turned into "-I <chain> 1" where the reference inserts.
std::string forward_jump() { return std::string("-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j ") + kPrivChain; }
std::string admin_jump(const std::string& admin) {
  return std::string("-A ") + kPrivChain + " -m comment --comment \"CNI firewall plugin admin overrides\" -j " + admin;
}
std::vector<std::string> address_rules(const Cidr& ip) {
  const auto h = host_cidr(ip);
  return {std::string("-A ") + kPrivChain + " -d " + h + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
          std::string("-A ") + kPrivChain + " -s " + h + " -j ACCEPT"};
}
std::string inserted(const std::string& a_line) {
  // "-A CHAIN rest" -> "-I CHAIN 1 rest"
  auto sp = a_line.find(' ', 3);
  return "-I " + a_line.substr(3, sp - 3) + " 1" + a_line.substr(sp);
}

std::vector<Cidr> of_family(const std::vector<Cidr>& ips, bool v6) {
  std::vector<Cidr> out;
  for (const auto& ip : ips)
    if (ip.ip.is_v6() == v6) out.push_back(ip);
  return out;
}

const char* tool(bool v6) { return v6 ? "ip6tables" : "iptables"; }

std::vector<IpAddr> addrs(const std::vector<Cidr>& ips) {
  std::vector<IpAddr> out;
  for (const auto& ip : ips) out.push_back(ip.ip);
  return out;
}

}  // namespace

bool available() { return ipt::find_tool("iptables").has_value() && ipt::find_tool("ip6tables").has_value(); }

void add(const std::vector<Cidr>& ips, const std::string& admin_chain) {
  if (!available())
    throw Error(kPluginNotAvailable, "could not initialize iptables protocol: iptables and ip6tables are both needed",
                "the firewall plugin's iptables backend needs the iptables package");
  for (bool v6 : {false, true}) {
    auto fam = of_family(ips, v6);
    if (fam.empty()) continue;
    ipt::TableLock lock(v6, "filter");
    const ipt::Listing st(ipt::save(v6, "filter"));
    std::string s = "*filter\n";
    if (!st.has_chain(kPrivChain)) s += std::string(":") + kPrivChain + " - [0:0]\n";
    if (!st.has_chain(admin_chain)) s += ":" + admin_chain + " - [0:0]\n";
    if (!st.has_line(forward_jump())) s += inserted(forward_jump()) + "\n";
    if (!st.has_line(admin_jump(admin_chain))) s += inserted(admin_jump(admin_chain)) + "\n";
    std::set<std::string> added;
    for (const auto& ip : fam)
      for (const auto& r : address_rules(ip))
        if (!st.has_line(r) && added.insert(r).second) s += r + "\n";
    ipt::restore(v6, s + "COMMIT\n", std::string("failed to add ") + tool(v6) + " firewall rules");
  }
}

void del(const std::vector<Cidr>& ips) {
  for (bool v6 : {false, true}) {
    auto fam = of_family(ips, v6);
    // DEL runs for every container: no exec unless the chain may hold this attachment's rules
    // (not just exist: once the reference's firewall ran on a host, CNI-FORWARD stays there).
    if (fam.empty() || !ipt::find_tool(tool(v6))) continue;
    if (!ipt::may_have_rule_for(v6, kPrivChain, "filter", addrs(fam))) continue;
    ipt::TableLock lock(v6, "filter");
    const ipt::Listing st(ipt::save(v6, "filter"));
    std::string s;
    for (const auto& ip : fam)
      for (const auto& r : address_rules(ip))
        if (st.has_line(r)) s += ipt::del_line(r) + "\n";
    if (!s.empty()) ipt::restore(v6, "*filter\n" + s + "COMMIT\n", std::string("failed to delete ") + tool(v6) + " firewall rules");
  }
}

std::string check(const std::vector<Cidr>& ips, const std::string& admin_chain) {
  std::string problems;
  for (bool v6 : {false, true}) {
    auto fam = of_family(ips, v6);
    if (fam.empty()) continue;
    const ipt::Listing st(ipt::save(v6, "filter"));
    const std::string t = tool(v6);
    for (const std::string& c : {std::string(kPrivChain), admin_chain})
      if (!st.has_chain(c)) problems += t + " chain " + c + " not found; ";
    if (!st.has_line(forward_jump())) problems += "expected " + t + " rule not found: " + forward_jump() + "; ";
    if (!st.has_line(admin_jump(admin_chain))) problems += "expected " + t + " rule not found: " + admin_jump(admin_chain) + "; ";
    for (const auto& ip : fam)
      for (const auto& r : address_rules(ip))
        if (!st.has_line(r)) problems += "expected " + t + " rule not found: " + r + "; ";
  }
  if (problems.size() >= 2) problems.resize(problems.size() - 2);
  return problems;
}

void isolate_bridge(const std::string& bridge, bool v4, bool v6, bool intra_bridge) {
  const std::string c = std::string(" -m comment --comment ") + kIsolationComment;
  const std::string s1_drop = std::string("-A ") + kStage1 + " -i " + bridge + " -o " + bridge +
                              " -m comment --comment " + kIntraIsolationComment + " -j DROP";
  const std::string jump = "-A FORWARD" + c + " -j " + kStage1;
  const std::string s1 = std::string("-A ") + kStage1 + " -i " + bridge + " ! -o " + bridge + c + " -j " + kStage2;
  const std::string s1_return = std::string("-A ") + kStage1 + c + " -j RETURN";
  const std::string s2 = std::string("-A ") + kStage2 + " -o " + bridge + c + " -j DROP";
  const std::string s2_return = std::string("-A ") + kStage2 + c + " -j RETURN";
  for (bool fam_v6 : {false, true}) {
    if (fam_v6 ? !v6 : !v4) continue;
    ipt::TableLock lock(fam_v6, "filter");
    const ipt::Listing st(ipt::save(fam_v6, "filter"));
    std::string s = "*filter\n";
    for (const char* chain : {kStage1, kStage2})
      if (!st.has_chain(chain)) s += std::string(":") + chain + " - [0:0]\n";
    // The jump and the bridge rules go first (before CNI-FORWARD, before the RETURNs).
    if (!st.has_line(jump)) s += inserted(jump) + "\n";
    if (!st.has_line(s1)) s += inserted(s1) + "\n";
    if (intra_bridge && !st.has_line(s1_drop)) s += inserted(s1_drop) + "\n";
    if (!st.has_line(s1_return)) s += s1_return + "\n";
    if (!st.has_line(s2)) s += inserted(s2) + "\n";
    if (!st.has_line(s2_return)) s += s2_return + "\n";
    if (s == "*filter\n") continue;
    ipt::restore(fam_v6, s + "COMMIT\n", std::string("failed to add ") + tool(fam_v6) + " isolation rules for bridge \"" + bridge + "\"");
  }
}

}  // namespace cni::firewall::iptables
