// cnipp-chain: policy only. The plugins run through libcni's runtime (cni/runtime/runtime.hpp, what
// cnitool runs): each with the previous one's result, capability arguments filled, the final
// result cached per attachment for CHECK and DEL, DEL in reverse order. They run at the
// newest spec version all of them support; the skeleton converts the result to the outer
// config's version (0.1.0 for a Mesos config without cniVersion).
#include "chain.hpp"

#include <algorithm>
#include <cstdio>

#include "cni/base/error.hpp"
#include "cni/spec/result.hpp"
#include "cni/runtime/runtime.hpp"
#include "cni/spec/version.hpp"
#include "config.hpp"

namespace chain {
namespace {

cni::RuntimeConf runtime_conf(const cni::CmdArgs& args, const ChainConfig& c) {
  cni::RuntimeConf rt;
  rt.container_id = args.env.container_id;
  rt.netns = args.env.netns;
  rt.ifname = args.env.ifname;
  rt.capability_args = c.capability_args;
  // CNI_ARGS passes through unchanged ("K=V;K=V").
  size_t start = 0;
  const auto& text = args.env.args;
  while (start < text.size()) {
    auto end = text.find(';', start);
    auto pair = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (auto eq = pair.find('='); eq != std::string::npos) rt.args.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return rt;
}

// The newest version every plugin of the chain supports (their VERSION answers; this
// build's own binaries are known without running them).
std::string negotiate(const cni::Runtime& rt, const ChainConfig& c) {
  const auto probe = cni::NetConfList::from_bytes(list_document(c, cni::kCurrentVersion));
  const auto answers = rt.versions(probe);
  std::string problems;
  for (const auto& pv : answers)
    if (pv.error) problems += (problems.empty() ? "" : "; ") + pv.type + ": " + pv.error->msg();
  if (!problems.empty()) throw cni::Error(cni::kInvalidNetworkConfig, "network \"" + c.name + "\" is not usable", problems);
  const auto& ours = cni::supported_versions();
  for (auto v = ours.rbegin(); v != ours.rend(); ++v)
    if (std::all_of(answers.begin(), answers.end(), [&](const cni::PluginVersion& pv) { return pv.supports(*v); }))
      return *v;
  throw cni::Error(cni::kIncompatibleVersion, "the plugins of network \"" + c.name + "\" share no CNI version");
}

cni::NetConfList inner_list(const cni::Runtime& rt, const ChainConfig& c) {
  return cni::NetConfList::from_bytes(list_document(c, negotiate(rt, c)));
}

// DEL keeps the version ADD ran at (from the cached list) when it can: a plugin upgraded
// or removed in between must not change how the attachment is taken down.
cni::NetConfList del_list(const cni::Runtime& rt, const ChainConfig& c, const cni::RuntimeConf& r) {
  try {
    if (auto e = rt.cache().read(c.name, r.container_id, r.ifname)) {
      auto cached = cni::NetConfList::from_bytes(e->config);
      return cni::NetConfList::from_bytes(list_document(c, cached.cni_version));
    }
  } catch (const cni::Error&) {
    // An unusable cache entry: the runtime's DEL reports and removes it.
  }
  return inner_list(rt, c);
}

cni::Error plugin_failed(const cni::Error& e) {
  if (auto* re = dynamic_cast<const cni::RuntimeError*>(&e)) return cni::Error(re->code(), re->describe(), re->details());
  return e;
}

cni::Result cmd_add(const cni::CmdArgs& args) {
  const ChainConfig c = parse_config(args.conf);
  const cni::Runtime rt(args.env.path_dirs(), c.cache_dir);
  const auto list = inner_list(rt, c);
  const auto r = runtime_conf(args, c);
  try {
    auto result = cni::Result::from_json(nlohmann::json::parse(rt.add(list, r).dump()));
    bool has_ip = !result.ips.empty();
    if (!cni::Result::expressible(args.conf.cni_version, has_ip))
      throw cni::Error(cni::kIncompatibleVersion,
                       "the chain's result has no IP address, which a " + args.conf.cni_version + " result cannot express",
                       "set \"cniVersion\" to 0.3.0 or newer in the network config");
    return result;
  } catch (const cni::Error& e) {
    // Nothing of a failed ADD stays: every plugin's DEL, in reverse order.
    try {
      rt.del(list, r);
    } catch (const cni::Error& undo) {
      std::fprintf(stderr, "cnipp-chain: undoing the failed ADD: %s\n", undo.what());
    }
    throw plugin_failed(e);
  }
}

// Runs `f` with the parsed config, the runtime and the attachment; a plugin's failure is
// reported naming that plugin.
template <class F>
void with_runtime(const cni::CmdArgs& args, F&& f) {
  const ChainConfig c = parse_config(args.conf);
  const cni::Runtime rt(args.env.path_dirs(), c.cache_dir);
  try {
    f(c, rt, runtime_conf(args, c));
  } catch (const cni::Error& e) {
    throw plugin_failed(e);
  }
}

void cmd_del(const cni::CmdArgs& args) {
  with_runtime(args, [](const ChainConfig& c, const cni::Runtime& rt, const cni::RuntimeConf& r) {
    rt.del(del_list(rt, c, r), r);
  });
}

void cmd_check(const cni::CmdArgs& args) {
  with_runtime(args, [](const ChainConfig& c, const cni::Runtime& rt, const cni::RuntimeConf& r) {
    rt.check(inner_list(rt, c), r);
  });
}

void cmd_status(const cni::CmdArgs& args) {
  with_runtime(args, [](const ChainConfig& c, const cni::Runtime& rt, const cni::RuntimeConf&) { rt.status(inner_list(rt, c)); });
}

void cmd_gc(const cni::CmdArgs& args) {
  std::vector<cni::GcAttachment> valid;
  for (const auto& a : cni::valid_attachments(args.conf)) valid.push_back({a.container_id, a.ifname});
  with_runtime(args, [&](const ChainConfig& c, const cni::Runtime& rt, const cni::RuntimeConf&) {
    auto errors = rt.gc(inner_list(rt, c), valid);
    if (!errors.empty()) throw errors.front();
  });
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace chain
