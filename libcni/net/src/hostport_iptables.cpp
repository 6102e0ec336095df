// portmap's iptables backend in the reference's exact layout (see cni/net/hostport.hpp), one
// iptables-save and one iptables-restore per family and change, where the reference execs
// iptables once per rule.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"
#include "cni/net/hostport.hpp"
#include "cni/kernel/iptables.hpp"

namespace cni::hostport::iptables {

namespace {

namespace ipt = detail::iptables;

constexpr const char* kTopDnat = "CNI-HOSTPORT-DNAT";
constexpr const char* kSetMark = "CNI-HOSTPORT-SETMARK";
constexpr const char* kMarkMasq = "CNI-HOSTPORT-MASQ";
constexpr size_t kMaxCommentLength = 255;  // iptables' limit; the reference cuts there too
constexpr size_t kMultiportMax = 15;      // ports per multiport match

using NatState = ipt::Listing;

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// A condition token for iptables-restore's line parser: quoted when it holds a space or a quote.
std::string arg(const std::string& token) {
  return token.find_first_of(" \t\"'\\") == std::string::npos && !token.empty() ? token : quoted(token);
}

std::string entry_comment(const Attachment& a) {
  std::string c = "dnat name: \"" + a.network + "\" id: \"" + a.container_id + "\"";
  if (c.size() > kMaxCommentLength) c = c.substr(0, kMaxCommentLength - 3) + "...";
  return c;
}

std::string mark(int bit) {
  char buf[32];
  const unsigned v = 1u << bit;
  std::snprintf(buf, sizeof buf, "%#x/%#x", v, v);
  return buf;
}

std::string to_destination(const IpAddr& ip, uint16_t port) {
  return (ip.is_v6() ? "[" + ip.str() + "]" : ip.str()) + ":" + std::to_string(port);
}

// The per-container chain's rules, the reference's fillDnatRules: per mapping, the hairpin
// and localhost mark rules (with SNAT) before the DNAT itself.
std::vector<std::string> chain_rules(const std::string& chain, const Options& o, const Forward& f) {
  const bool v6 = f.container.ip.is_v6();
  const std::string setmark = o.external_set_mark_chain.empty() ? kSetMark : o.external_set_mark_chain;
  std::vector<std::string> out;
  for (const auto& m : f.mappings) {
    std::string base = "-A " + chain + " -p " + proto_name(m.proto) + " --dport " + std::to_string(m.host_port);
    if (m.host_ip && !m.host_ip->is_unspecified()) base += " -d " + m.host_ip->str();
    if (o.snat) {
      const std::string src = o.masq_all ? (v6 ? "::/0" : "0.0.0.0/0") : f.container.str();
      out.push_back(base + " -s " + src + " -j " + setmark);
      if (!v6 && !o.masq_all) out.push_back(base + " -s 127.0.0.1 -j " + setmark);
    }
    out.push_back(base + " -j DNAT --to-destination " + to_destination(f.container.ip, m.container_port));
  }
  return out;
}

// The entry rules in CNI-HOSTPORT-DNAT: per protocol (sorted), groups of up to 15 ports.
std::vector<std::string> entry_rules(const Attachment& a, const std::string& chain, const Options& o, const Forward& f) {
  std::map<std::string, std::vector<uint16_t>> by_proto;
  for (const auto& m : o.mappings.empty() ? f.mappings : o.mappings) by_proto[proto_name(m.proto)].push_back(m.host_port);
  const auto& conds = f.container.ip.is_v6() ? o.conditions_v6 : o.conditions_v4;
  std::vector<std::string> out;
  for (const auto& [proto, ports] : by_proto) {
    for (size_t i = 0; i < ports.size(); i += kMultiportMax) {
      std::string list;
      for (size_t j = i; j < std::min(ports.size(), i + kMultiportMax); ++j)
        list += (list.empty() ? "" : ",") + std::to_string(ports[j]);
      std::string r = std::string("-A ") + kTopDnat + " -m comment --comment " + quoted(entry_comment(a)) +
                      " -m multiport -p " + proto + " --destination-ports " + list;
      for (const auto& c : conds) r += " " + arg(c);
      out.push_back(r + " -j " + chain);
    }
  }
  return out;
}

using ipt::del_line;

void teardown(bool v6, const NatState& st, const std::string& chain) {
  std::string s = "*nat\n";
  for (const auto& l : st.jumps_to(chain)) s += del_line(l) + "\n";
  s += "-F " + chain + "\n-X " + chain + "\nCOMMIT\n";
  ipt::restore(v6, s, "failed to delete iptables port mappings");
}

bool family_usable(bool v6) { return ipt::find_tool(v6 ? "ip6tables" : "iptables").has_value(); }

}  // namespace

std::string dnat_chain(const Attachment& a) { return "CNI-DN-" + sha512_hex(a.network + a.container_id).substr(0, 21); }

void add(const Attachment& a, const Options& o, const std::vector<Forward>& forwards) {
  const auto chain = dnat_chain(a);
  for (const auto& f : forwards) {
    if (f.mappings.empty()) continue;
    const bool v6 = f.container.ip.is_v6();
    ipt::TableLock lock(v6, "nat");
    const NatState st(ipt::save_nat(v6));
    std::string s = "*nat\n";
    if (o.snat && o.external_set_mark_chain.empty()) {
      if (!st.has_chain(kSetMark)) s += std::string(":") + kSetMark + " - [0:0]\n";
      if (!st.has_rules(kSetMark))
        s += std::string("-A ") + kSetMark + " -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark " +
             mark(o.mark_bit) + "\n";
      if (!st.has_chain(kMarkMasq)) s += std::string(":") + kMarkMasq + " - [0:0]\n";
      if (!st.has_rules(kMarkMasq))
        s += std::string("-A ") + kMarkMasq + " -m mark --mark " + mark(o.mark_bit) + " -j MASQUERADE\n";
      // First in POSTROUTING, or the bridge's and ptp's masquerade rules would take the
      // packets first (the reference's 2019 fix).
      if (st.jumps_to(kMarkMasq, "POSTROUTING").empty())
        s += std::string("-I POSTROUTING 1 -m comment --comment \"CNI portfwd requiring masquerade\" -j ") + kMarkMasq + "\n";
    }
    if (!st.has_chain(kTopDnat)) s += std::string(":") + kTopDnat + " - [0:0]\n";
    for (const char* entry : {"PREROUTING", "OUTPUT"})
      if (st.jumps_to(kTopDnat, entry).empty())
        s += std::string("-A ") + entry + " -m addrtype --dst-type LOCAL -j " + kTopDnat + "\n";
    // Declaring the chain creates it, or flushes it: a repeated ADD replaces its rules.
    s += ":" + chain + " - [0:0]\n";
    for (const auto& l : st.jumps_to(chain, kTopDnat)) s += del_line(l) + "\n";
    for (const auto& r : chain_rules(chain, o, f)) s += r + "\n";
    for (const auto& r : entry_rules(a, chain, o, f)) s += r + "\n";
    s += "COMMIT\n";
    ipt::restore(v6, s, std::string("failed to add ") + (v6 ? "ip6tables" : "iptables") + " port mappings");
  }
}

void del(const Attachment& a) {
  if (!ipt::find_tool("iptables-restore")) return;  // no iptables here: nothing of ours either
  const auto chain = dnat_chain(a);
  for (bool v6 : {false, true}) {
    if (!family_usable(v6) || !ipt::may_have_chain(v6, chain)) continue;
    ipt::TableLock lock(v6, "nat");
    const NatState st(ipt::save_nat(v6));
    if (st.has_chain(chain)) teardown(v6, st, chain);
  }
}

std::string check(const Attachment& a, const Options& o, const std::vector<Forward>& forwards) {
  const auto chain = dnat_chain(a);
  std::string problems;
  for (const auto& f : forwards) {
    if (f.mappings.empty()) continue;
    const bool v6 = f.container.ip.is_v6();
    const std::string fam = v6 ? "ip6tables" : "iptables";
    const NatState st(ipt::save_nat(v6));
    if (!st.has_chain(chain)) {
      problems += "chain " + chain + " not found in " + fam + " table nat; ";
      continue;
    }
    const auto want = chain_rules(chain, o, f);
    if (st.count_rules(chain) != want.size())
      problems += fam + " chain " + chain + " has " + std::to_string(st.count_rules(chain)) + " rules, expected " +
                  std::to_string(want.size()) + "; ";
    for (const auto& m : f.mappings) {
      const auto dest = "--to-destination " + to_destination(f.container.ip, m.container_port);
      const auto dport = "--dport " + std::to_string(m.host_port) + " ";
      bool found = std::any_of(st.lines.begin(), st.lines.end(), [&](const std::string& l) {
        return l.starts_with("-A " + chain + " ") && l.find(dport) != std::string::npos && l.ends_with(dest);
      });
      if (!found) problems += fam + " DNAT for port " + std::to_string(m.host_port) + " missing; ";
    }
    if (st.jumps_to(chain, kTopDnat).empty()) problems += "no " + fam + " rule in " + kTopDnat + " jumps to " + chain + "; ";
    if (st.jumps_to(kTopDnat, "PREROUTING").empty()) problems += std::string("no ") + fam + " jump to " + kTopDnat + " in PREROUTING; ";
  }
  if (problems.size() >= 2) problems.resize(problems.size() - 2);
  return problems;
}

void gc(const std::string& network, const std::vector<Attachment>& keep) {
  if (!ipt::find_tool("iptables-restore")) return;
  std::set<std::string> valid;
  for (const auto& k : keep) valid.insert(dnat_chain(k));
  const std::string name_tag = "dnat name: \\\"" + network + "\\\" id: ";
  for (bool v6 : {false, true}) {
    if (!family_usable(v6) || !ipt::may_have_chain(v6, kTopDnat)) continue;
    ipt::TableLock lock(v6, "nat");
    const NatState st(ipt::save_nat(v6));
    std::set<std::string> stale;
    for (const auto& l : st.lines) {
      if (!l.starts_with(std::string("-A ") + kTopDnat + " ") || l.find(name_tag) == std::string::npos) continue;
      auto j = l.rfind(" -j CNI-DN-");
      if (j == std::string::npos) continue;
      auto target = l.substr(j + 4);
      if (!valid.count(target)) stale.insert(target);
    }
    for (const auto& c : stale) teardown(v6, st, c);
  }
}

bool available() { return ipt::find_tool("iptables-restore").has_value(); }

void delete_commented(const std::string& chain, const std::string& comment) {
  if (!ipt::find_tool("iptables-restore") || !family_usable(false) || !ipt::may_have_chain(false, chain)) return;
  ipt::TableLock lock(false, "nat");
  const NatState st(ipt::save_nat(false));
  std::string s;
  for (const auto& l : st.lines)
    if (l.starts_with("-A " + chain + " ") && l.find(comment) != std::string::npos) s += del_line(l) + "\n";
  if (s.empty()) return;
  ipt::restore(false, "*nat\n" + s + "COMMIT\n", "failed to delete iptables rules of " + chain);
}

}  // namespace cni::hostport::iptables
