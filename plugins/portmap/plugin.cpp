// portmap: policy only. Maps host ports to the container's addresses from prevResult,
// through libcni's hostport layer (nftables by default, the reference's iptables layout on
// request). Rules are keyed by the attachment, so DEL needs neither the mappings nor the
// netns, and removes nothing of another network's or interface's.
#include <functional>

#include "cni/base/error.hpp"
#include "cni/net/hostport.hpp"
#include "config.hpp"
#include "portmap.hpp"

namespace portmap {
namespace {

namespace hp = cni::hostport;

cni::Attachment attachment(const cni::NetConf& conf, const cni::CmdArgs& args) {
  return {conf.name, args.env.container_id, args.env.ifname};
}

hp::Options nft_options(const PortmapConfig& c) {
  hp::Options o;
  o.snat = c.snat;
  o.masq_all = c.masq_all;
  o.localhost = c.snat;  // a DNATed 127.0.0.1 can only come back with SNAT
  return o;
}

hp::iptables::Options ipt_options(const PortmapConfig& c) {
  return {c.snat, c.masq_all, c.mark_masq_bit, c.external_set_mark_chain, c.conditions_v4, c.conditions_v6, c.mappings};
}

const hp::Chain kChain{"hostports"};

cni::Result cmd_add(const cni::CmdArgs& args) {
  const PortmapConfig c = parse_config(args.conf, args.env.ifname);
  check_mappable(args.conf, c);
  const cni::Result& prev = *args.conf.prev_result;
  if (c.mappings.empty()) return prev;

  const auto att = attachment(args.conf, args);
  const auto fw = forwards(c);
  try {
    if (c.backend == Backend::iptables) hp::iptables::add(att, ipt_options(c), fw);
    else hp::add(kChain, att, nft_options(c), fw);
    // 127.0.0.1 may cross to the container only with route_localnet on the link that
    // routes to it (the reference sets it whenever SNAT is on).
    if (c.snat && c.ip4) hp::enable_localnet_routing(c.ip4->ip);
  } catch (...) {
    // Nothing of a failed ADD stays behind.
    try {
      hp::del(att);
      hp::iptables::del(att);
    } catch (...) {
    }
    throw;
  }
  return prev;
}

void cmd_del(const cni::CmdArgs& args) {
  // Neither the mappings nor the config's backend are needed: whatever this attachment has
  // in either backend goes (a runtime that omits runtimeConfig on DEL, a backend switched
  // since ADD).
  const auto att = attachment(args.conf, args);
  hp::del(att);
  hp::iptables::del(att);
}

void cmd_check(const cni::CmdArgs& args) {
  const PortmapConfig c = parse_config(args.conf, args.env.ifname);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  check_mappable(args.conf, c);
  if (c.mappings.empty()) return;
  const auto att = attachment(args.conf, args);
  auto problems = c.backend == Backend::iptables ? hp::iptables::check(att, ipt_options(c), forwards(c))
                                                 : hp::check(kChain, att, nft_options(c), forwards(c));
  if (!problems.empty()) throw cni::Error(cni::kInternal, "port mappings of this attachment are not in place", problems);
}

void cmd_status(const cni::CmdArgs& args) {
  const PortmapConfig c = parse_config(args.conf, args.env.ifname);
  if (c.backend == Backend::iptables && !hp::iptables::available())
    throw cni::Error(cni::kPluginNotAvailable, "iptables-restore not found", "\"backend\": \"iptables\" needs the iptables package");
}

void cmd_gc(const cni::CmdArgs& args) {
  std::vector<cni::Attachment> keep;
  for (const auto& a : cni::valid_attachments(args.conf)) keep.push_back({args.conf.name, a.container_id, a.ifname});
  hp::gc(kChain, args.conf.name, keep);
  hp::iptables::gc(args.conf.name, keep);
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace portmap
