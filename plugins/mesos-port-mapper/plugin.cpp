// mesos-cni-port-mapper: policy only. Runs the delegate (our bridge in-process when CNI_PATH
// holds this build's), then forwards network_info's port mappings to the addresses it
// returned, through libcni's hostport layer. Same contract as Mesos's own plugin, minus its
// bugs: every excluded device is honoured, "udp,tcp" maps both, IPv6 is mapped, the agent
// reaches a task through its own addresses, any result version is understood, a failed ADD
// is undone, rules carry network and ifname so two networks sharing a chain stay apart.
#include "mesos_port_mapper.hpp"

#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/base/exec.hpp"
#include "cni/net/hostport.hpp"
#include "config.hpp"

namespace mesos_port_mapper {
namespace {

namespace hp = cni::hostport;

cni::Attachment attachment(const MapperConfig& c, const cni::CmdArgs& args) {
  return {c.network, args.env.container_id, args.env.ifname};
}

hp::Options options(const MapperConfig& c) {
  hp::Options o;
  o.exclude_iifnames = c.exclude_devices;  // no SNAT and no 127.0.0.1, as Mesos's plugin
  return o;
}

std::vector<hp::Forward> forwards(const MapperConfig& c, const cni::Result& r, const std::string& ifname) {
  std::vector<hp::Forward> out;
  auto addrs = hp::container_addresses(r, ifname);
  for (const auto* a : {&addrs.v4, &addrs.v6})
    if (*a) out.push_back({**a, c.mappings, {}});
  return out;
}

// The delegate's error, as Mesos's plugin reports it (102), keeping its message and details.
[[noreturn]] void delegate_failed(const MapperConfig& c, const char* verb, const cni::Error& e) {
  throw cni::Error(kDelegate, std::string("delegate plugin '") + c.delegate_type + "' failed (" + verb + "): " + e.msg(),
                   e.details());
}

std::string delegate_stdin(const MapperConfig& c, const cni::NetConf& conf) {
  auto j = c.delegate_conf;
  if (conf.raw.contains("prevResult")) j["prevResult"] = conf.raw["prevResult"];
  return j.dump();
}

// Before anything runs: a delegate that is not there is a config error (101), not a
// delegate failure.
void find_delegate(const MapperConfig& c, const cni::CmdArgs& args) {
  try {
    cni::find_in_path(c.delegate_type, args.env.path_dirs());
  } catch (const cni::Error& e) {
    throw cni::Error(kBadConfig, "Could not find the delegate plugin '" + c.delegate_type + "' in '" + args.env.path + "'",
                     e.msg());
  }
}

void run_delegate(const MapperConfig& c, const char* verb, const cni::CmdArgs& args) {
  find_delegate(c, args);
  try {
    cni::delegate_run(verb, c.delegate_type, delegate_stdin(c, args.conf), args.env, cni::DelegateEnv::cni_only);
  } catch (const cni::Error& e) {
    delegate_failed(c, verb, e);
  }
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const MapperConfig c = parse_config(args.conf);
  find_delegate(c, args);
  cni::Result r;
  try {
    r = cni::delegate_add(c.delegate_type, delegate_stdin(c, args.conf), args.env, cni::DelegateEnv::cni_only);
  } catch (const cni::Error& e) {
    delegate_failed(c, "ADD", e);
  }
  if (c.mappings.empty()) return r;  // most tasks publish no port: nothing to write
  const auto att = attachment(c, args);
  try {
    hp::add({c.chain}, att, options(c), forwards(c, r, args.env.ifname));
  } catch (const cni::Error& e) {
    // Undo the whole ADD: a task that is not reachable must not hold an address either.
    try {
      hp::del(att);
    } catch (...) {
    }
    try {
      cni::delegate_run("DEL", c.delegate_type, delegate_stdin(c, args.conf), args.env, cni::DelegateEnv::cni_only);
    } catch (...) {
    }
    throw cni::Error(kRules, "failed to add port mappings to chain \"" + c.chain + "\": " + e.msg(), e.details());
  }
  return r;
}

void cmd_del(const cni::CmdArgs& args) {
  const MapperConfig c = parse_config(args.conf);
  // The rules go first, so no new connection reaches an address the delegate is releasing.
  try {
    hp::del(attachment(c, args));
    // A task started under Mesos's own plugin (before this agent was upgraded) has iptables
    // rules in the same chain, tagged as that plugin tags them.
    hp::iptables::delete_commented(c.chain, "container_id: " + args.env.container_id);
  } catch (const cni::Error& e) {
    throw cni::Error(kRules, "failed to delete port mappings: " + e.msg(), e.details());
  }
  run_delegate(c, "DEL", args);
}

void cmd_check(const cni::CmdArgs& args) {
  const MapperConfig c = parse_config(args.conf);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  run_delegate(c, "CHECK", args);
  auto problems = hp::check({c.chain}, attachment(c, args), options(c), forwards(c, *args.conf.prev_result, args.env.ifname));
  if (!problems.empty()) throw cni::Error(kRules, "port mappings of this container are not in place", problems);
}

void cmd_status(const cni::CmdArgs& args) { run_delegate(parse_config(args.conf), "STATUS", args); }

void cmd_gc(const cni::CmdArgs& args) {
  const MapperConfig c = parse_config(args.conf);
  std::vector<cni::Attachment> keep;
  for (const auto& a : cni::valid_attachments(args.conf)) keep.push_back({c.network, a.container_id, a.ifname});
  try {
    hp::gc({c.chain}, c.network, keep);
  } catch (const cni::Error& e) {
    throw cni::Error(kRules, "failed to collect stale port mappings: " + e.msg(), e.details());
  }
  run_delegate(c, "GC", args);
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace mesos_port_mapper
