// tuning: policy only. Changes sysctls (net.* only, inside the container's namespace) and
// link settings of CNI_IFNAME, after saving what they were in a backup file that DEL restores
// from. The backup is the reference's file (<dataDir>/<containerID>_<ifname>.json, same keys),
// so either plugin's DEL restores the other's ADD; the old sysctl values ride along under a
// key of our own, which the reference ignores.
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/kernel/link_settings.hpp"
#include "cni/kernel/netlink.hpp"
#include "cni/kernel/netns.hpp"
#include "cni/kernel/sysctl.hpp"
#include "config.hpp"
#include "tuning.hpp"

namespace tuning {
namespace {

constexpr const char* kSysctlKey = "cnippSysctls";

std::string backup_path(const TuningConfig& c, const cni::CmdArgs& args) {
  return c.data_dir + "/" + args.env.container_id + "_" + args.env.ifname + ".json";
}

TuningConfig config_of(const cni::CmdArgs& args) {
  return parse_config(args.conf, args.env.ifname, args.env.args, read_allowlist());
}

cni::Link find_link(cni::Netlink& nl, const cni::CmdArgs& args) {
  auto l = nl.link(args.env.ifname);
  if (!l) throw cni::Error(cni::kInvalidEnvironment, "failed to find link \"" + args.env.ifname + "\" in netns " + args.env.netns);
  return *l;
}

// The values the configured settings are about to replace, in the reference's backup keys.
nlohmann::ordered_json backup_of(const TuningConfig& c, const cni::Link& l, const std::vector<std::string>& old_sysctls) {
  nlohmann::ordered_json b = nlohmann::ordered_json::object();
  if (c.mac) b["mac"] = cni::mac_str(l.mac);
  if (c.promisc) b["promisc"] = l.promisc;
  if (c.mtu) b["mtu"] = l.mtu;
  if (c.allmulti) b["allmulti"] = l.allmulti;
  if (c.txqlen) b["txQLen"] = l.txqlen;
  if (!c.sysctls.empty()) {
    auto& s = b[kSysctlKey] = nlohmann::ordered_json::object();
    for (size_t i = 0; i < c.sysctls.size(); ++i) s[c.sysctls[i].path] = old_sysctls[i];
  }
  return b;
}

// Puts back what a backup holds; each failure is reported on stderr and the rest still runs
// (DEL must not fail over a setting that can no longer be restored).
void restore(const nlohmann::json& b, const cni::Netns& ns, cni::Netlink& nl, int index) {
  auto attempt = [](const char* what, auto&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tuning: failed to restore %s: %s\n", what, e.what());
    }
  };
  if (b.contains(kSysctlKey) && b[kSysctlKey].is_object())
    for (const auto& [path, value] : b[kSysctlKey].items())
      attempt("a sysctl", [&] {
        if (!path.starts_with("net/") || !value.is_string()) return;
        ns.run_in([&] { cni::sysctl_write(path, value.get<std::string>()); });
      });
  if (b.contains("mtu") && b["mtu"].is_number_integer() && b["mtu"].get<int>() > 0)
    attempt("the MTU", [&] { nl.set_mtu(index, b["mtu"].get<int>()); });
  if (b.contains("mac") && b["mac"].is_string())
    attempt("the MAC address", [&] {
      if (auto m = parse_mac(b["mac"].get<std::string>())) nl.set_mac(index, *m);
    });
  if (b.contains("promisc") && b["promisc"].is_boolean())
    attempt("promiscuous mode", [&] { nl.set_promisc(index, b["promisc"].get<bool>()); });
  if (b.contains("allmulti") && b["allmulti"].is_boolean())
    attempt("all-multicast", [&] { cni::set_allmulti(nl, index, b["allmulti"].get<bool>()); });
  if (b.contains("txQLen") && b["txQLen"].is_number_integer() && b["txQLen"].get<int>() >= 0)
    attempt("the transmit queue length", [&] { cni::set_txqlen(nl, index, b["txQLen"].get<int>()); });
}

void apply(const TuningConfig& c, const cni::Netns& ns, cni::Netlink& nl, int index) {
  ns.run_in([&] {
    for (const auto& s : c.sysctls) cni::sysctl_write(s.path, s.value);
  });
  if (c.mac) nl.set_mac(index, *c.mac);
  if (c.promisc) nl.set_promisc(index, true);
  if (c.mtu) nl.set_mtu(index, *c.mtu);
  if (c.allmulti) cni::set_allmulti(nl, index, *c.allmulti);
  if (c.txqlen) cni::set_txqlen(nl, index, *c.txqlen);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const TuningConfig c = config_of(args);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  cni::Result r = *args.conf.prev_result;
  if (c.sysctls.empty() && !c.changes_link()) return r;

  const auto ns = cni::Netns::open(args.env.netns);
  auto nl = cni::Netlink::open_in(ns);
  const cni::Link link = find_link(nl, args);
  // Every sysctl is read before any is written: a key the kernel does not have fails the
  // ADD here, with nothing changed.
  std::vector<std::string> old;
  ns.run_in([&] {
    for (const auto& s : c.sysctls) old.push_back(cni::sysctl_read(s.path));
  });
  const auto backup = backup_of(c, link, old);
  const auto path = backup_path(c, args);
  cni::make_dirs(c.data_dir, 0700);
  // A repeated ADD keeps the first backup: it holds the values from before any tuning.
  const bool created = cni::create_exclusive(path, backup.dump(1) + "\n", 0600);
  try {
    apply(c, ns, nl, link.index);
  } catch (...) {
    if (created) {
      restore(nlohmann::json::parse(backup.dump()), ns, nl, link.index);
      ::unlink(path.c_str());
    }
    throw;
  }
  if (c.mac)
    for (auto& i : r.interfaces)
      if (i.name == args.env.ifname && !i.sandbox.empty()) i.mac = cni::mac_str(*c.mac);
  return r;
}

void cmd_del(const cni::CmdArgs& args) {
  // Only the config's dataDir matters here; a config that no longer parses fully (a sysctl
  // the allowlist now refuses) must still let the container go.
  std::string data_dir = cni::get_string(args.conf.raw, "dataDir", kDefaultDataDir);
  if (data_dir.empty()) data_dir = kDefaultDataDir;
  const auto path = data_dir + "/" + args.env.container_id + "_" + args.env.ifname + ".json";
  auto text = cni::read_file_if_exists(path);
  if (!text) return;
  auto ns = args.env.netns.empty() ? std::nullopt : cni::Netns::try_open(args.env.netns);
  if (ns) {
    try {
      auto b = nlohmann::json::parse(*text);
      auto nl = cni::Netlink::open_in(*ns);
      if (auto l = nl.link(args.env.ifname); l && b.is_object()) restore(b, *ns, nl, l->index);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tuning: not restoring from %s: %s\n", path.c_str(), e.what());
    }
  }
  ::unlink(path.c_str());
}

void cmd_check(const cni::CmdArgs& args) {
  const TuningConfig c = config_of(args);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  const auto ns = cni::Netns::open(args.env.netns);
  auto nl = cni::Netlink::open_in(ns);
  const cni::Link l = find_link(nl, args);
  std::string problems;
  auto differs = [&](const std::string& what, const std::string& want, const std::string& have) {
    if (want != have) problems += what + " is " + have + ", configured " + want + "; ";
  };
  ns.run_in([&] {
    for (const auto& s : c.sysctls) differs("sysctl " + s.key, s.value, cni::sysctl_read(s.path));
  });
  if (c.mac) differs("MAC address", cni::mac_str(*c.mac), cni::mac_str(l.mac));
  if (c.mtu) differs("MTU", std::to_string(*c.mtu), std::to_string(l.mtu));
  differs("promiscuous mode", c.promisc ? "on" : "off", l.promisc ? "on" : "off");
  if (c.allmulti) differs("all-multicast", *c.allmulti ? "on" : "off", l.allmulti ? "on" : "off");
  if (c.txqlen) differs("transmit queue length", std::to_string(*c.txqlen), std::to_string(l.txqlen));
  if (!problems.empty()) {
    problems.resize(problems.size() - 2);
    throw cni::Error(cni::kInternal, "link \"" + args.env.ifname + "\" is not tuned as configured", problems);
  }
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, {}, {}}; }

}  // namespace tuning
