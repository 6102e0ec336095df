#include "plugin.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "../bridge/config.hpp"  // to refuse a bad rendered config before anything exists
#include "bridge.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "cni/net/masq.hpp"
#include "config.hpp"
#include "state_file.hpp"

namespace overlay_plugin {
namespace {

using nlohmann::json;

// What ADD decided for one attachment, kept for DEL and CHECK (the state file may have
// changed or be gone by then): the bridge config without the per-call keys, the overlay
// range and whether masquerade was set up.
struct Record {
  json bridge;
  cni::Cidr overlay;
  bool ip_masq = false;

  std::string encode() const {
    return json{{"bridge", bridge}, {"overlay", overlay.str()}, {"ipMasq", ip_masq}}.dump();
  }
  static Record decode(const std::string& text, const std::string& path) {
    try {
      auto j = cni::parse_json(text, "attachment record " + path);
      Record r;
      r.bridge = j.at("bridge");
      r.overlay = cni::Cidr::parse(j.at("overlay").get<std::string>()).value();
      r.ip_masq = j.at("ipMasq").get<bool>();
      if (!r.bridge.is_object()) throw std::runtime_error("bridge is not an object");
      return r;
    } catch (const std::exception& e) {
      throw cni::Error(cni::kDecodingFailure, "the attachment record " + path + " is damaged", e.what());
    }
  }
};

std::string attachments_dir(const OverlayConfig& c) { return c.data_dir + "/attachments/" + c.network; }
// ':' appears in neither a container ID nor an interface name, so the name is unambiguous.
std::string record_path(const OverlayConfig& c, const cni::Env& env) {
  return attachments_dir(c) + "/" + env.container_id + ":" + env.ifname + ".json";
}

overlay::AgentState ready_state(const OverlayConfig& c) {
  auto st = overlay::read_state(c.state_dir, c.network);
  if (!st)
    throw cni::Error(cni::kTryAgainLater, "the overlay network \"" + c.network + "\" is not set up on this agent",
                     "no " + overlay::state_path(c.state_dir, c.network) + ": is cnipp-overlayd running with --network " +
                         c.network + " --state-dir " + c.state_dir + "?");
  if (!st->ok())
    throw cni::Error(cni::kTryAgainLater,
                     "the overlay network \"" + c.network + "\" has no subnet on this agent (state " + st->state + ")",
                     st->message);
  return *st;
}

Record render(const OverlayConfig& c, const overlay::AgentState& st) {
  if (c.mtu > st.mtu)
    throw cni::Error(cni::kInvalidNetworkConfig,
                     "\"mtu\" " + std::to_string(c.mtu) + " is larger than the overlay's " + std::to_string(st.mtu),
                     "VXLAN needs 50 bytes of the underlay's MTU");
  json ipam{{"type", "host-local"},
            {"dataDir", c.data_dir + "/ipam"},
            {"ranges", json::array({json::array({{{"subnet", st.subnet->str()}}})})},
            {"routes", json::array({{{"dst", st.overlay->str()}}})}};
  json b{{"type", "bridge"},
         {"bridge", c.bridge.empty() ? "cnippbr" + std::to_string(st.vni) : c.bridge},
         {"isGateway", true},
         {"isDefaultGateway", c.is_default_gateway},
         {"ipMasq", false},  // ours below excludes the whole overlay, not just this subnet
         {"hairpinMode", c.hairpin},
         {"mtu", c.mtu ? c.mtu : st.mtu},
         {"ipam", ipam}};
  return {b, *st.overlay, c.ip_masq};
}

// The bridge's arguments: the record's config plus this call's per-call keys.
cni::CmdArgs bridge_args(const cni::CmdArgs& args, const json& bridge_conf) {
  json j = bridge_conf;
  for (const char* k : {"cniVersion", "name", "args", "runtimeConfig", "prevResult", "dns", "cni.dev/valid-attachments",
                        "cni.dev/attachments"})
    if (args.conf.raw.contains(k)) j[k] = args.conf.raw[k];
  cni::CmdArgs out{args.env, j.dump(), {}};
  out.conf = cni::NetConf::parse(out.stdin_data);
  return out;
}

cni::Attachment attachment(const OverlayConfig& c, const cni::Env& env) { return {c.network, env.container_id, env.ifname}; }

// Masquerade for traffic leaving the overlay: the rule exempts the whole overlay range
// (the IP given with the overlay's prefix), so tasks on other agents see real addresses.
std::vector<cni::Cidr> masq_cidrs(const std::vector<cni::IpConfig>& ips, const cni::Cidr& overlay) {
  std::vector<cni::Cidr> out;
  for (const auto& ip : ips)
    if (ip.address.ip.is_v4()) out.push_back({ip.address.ip, overlay.prefix});
  return out;
}

std::optional<Record> load_record(const std::string& path) {
  auto text = cni::read_file_if_exists(path, 256 * 1024);
  if (!text) return std::nullopt;
  return Record::decode(*text, path);
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const OverlayConfig c = parse_config(args.conf);
  const auto st = ready_state(c);
  const Record rec = render(c, st);
  const cni::CmdArgs b = bridge_args(args, rec.bridge);
  // A bad key (a bridge name too long, ...) is refused before the disk or the kernel is touched.
  bridge::check_add_preconditions(bridge::parse_config(b.conf, args.env.args));

  const std::string path = record_path(c, args.env);
  cni::make_dirs(attachments_dir(c), 0755);
  // Whole or absent after a crash. A record already there (an ADD repeated, or one that died
  // before its bridge step) is replaced, and not removed if this ADD fails.
  const bool existed = !cni::create_exclusive(path, rec.encode(), 0644);
  if (existed) cni::write_file_atomic(path, rec.encode(), 0644);
  const auto cb = bridge::callbacks();
  cni::Result result;
  try {
    result = cb.add(b);
  } catch (...) {
    if (!existed) unlink(path.c_str());  // bridge undid its own steps
    throw;
  }
  if (rec.ip_masq) {
    try {
      cni::masq_add(cni::MasqBackend::nftables, attachment(c, args.env), masq_cidrs(result.ips, rec.overlay));
    } catch (const cni::Error& e) {
      try {
        cb.del(b);
      } catch (...) {
      }
      if (!existed) unlink(path.c_str());
      throw e.prefixed("failed to set up IP masquerade");
    }
  }
  return result;
}

// Idempotent, and works without the netns: the record says what to undo. Without a record
// (an ADD that never got as far as writing it) there is nothing of ours to remove.
void cmd_del(const cni::CmdArgs& args) {
  const OverlayConfig c = parse_config(args.conf);
  const std::string path = record_path(c, args.env);
  std::optional<Record> rec;
  try {
    rec = load_record(path);
  } catch (const cni::Error& damaged) {
    // Edited by hand, most likely: what the state file says now is the best guess left
    // (host-local finds the lease by attachment, whatever the range).
    try {
      rec = render(c, ready_state(c));
    } catch (const cni::Error&) {
      throw damaged;
    }
  }
  if (!rec) return;
  // bridge's DEL removes the masquerade rules too: they are keyed by the same attachment.
  bridge::callbacks().del(bridge_args(args, rec->bridge));
  if (unlink(path.c_str()) != 0 && errno != ENOENT) throw cni::io_error("failed to remove " + path, errno);
}

void cmd_check(const cni::CmdArgs& args) {
  const OverlayConfig c = parse_config(args.conf);
  const std::string path = record_path(c, args.env);
  auto rec = load_record(path);
  if (!rec) throw cni::Error(cni::kInternal, "no record of attachment " + args.env.container_id + "/" + args.env.ifname, path);
  const auto b = bridge_args(args, rec->bridge);
  bridge::callbacks().check(b);
  if (rec->ip_masq && b.conf.prev_result &&
      !cni::masq_present(cni::MasqBackend::nftables, attachment(c, args.env),
                         masq_cidrs(b.conf.prev_result->ips, rec->overlay)))
    throw cni::Error(cni::kInternal, "the masquerade rules of " + args.env.container_id + "/" + args.env.ifname + " are missing");
}

void cmd_status(const cni::CmdArgs& args) {
  const OverlayConfig c = parse_config(args.conf);
  try {
    ready_state(c);
  } catch (const cni::Error& e) {
    throw cni::Error(cni::kPluginNotAvailable, e.msg(), e.details());
  }
}

// Records of attachments the runtime no longer knows go; bridge's GC (masquerade rules,
// host-local leases) runs with any record's config, or the current state's.
void cmd_gc(const cni::CmdArgs& args) {
  const OverlayConfig c = parse_config(args.conf);
  std::vector<std::string> keep;
  for (const auto& a : cni::valid_attachments(args.conf)) keep.push_back(a.container_id + ":" + a.ifname + ".json");
  std::optional<Record> any;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(attachments_dir(c), ec)) {
    const auto name = e.path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // write_file_atomic's temp files
    if (!any) {
      try {
        any = load_record(e.path().string());
      } catch (const cni::Error&) {
      }
    }
    if (std::find(keep.begin(), keep.end(), name) == keep.end()) std::filesystem::remove(e.path(), ec);
  }
  if (!any) {
    try {
      any = render(c, ready_state(c));
    } catch (const cni::Error&) {
      return;  // no record and no state: nothing of ours exists on this agent
    }
  }
  bridge::callbacks().gc(bridge_args(args, any->bridge));
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace overlay_plugin
