// static IPAM's commands: the configured addresses handed out as they are. Nothing is
// allocated, so DEL, STATUS and GC have nothing to do.
#include "cni/base/error.hpp"
#include "config.hpp"
#include "static_ipam.hpp"

namespace staticipam {

namespace {

cni::Result cmd_add(const cni::CmdArgs& args) {
  const Config c = load_config(args.conf, args.env.args);
  cni::Result r;
  for (const auto& a : c.addresses) r.ips.push_back({a.address, a.gateway, std::nullopt});
  r.routes = c.routes;
  r.dns = c.dns;
  return r;
}

// Nothing was allocated: DEL succeeds whatever the config says, as the reference's.
void cmd_del(const cni::CmdArgs&) {}

// Each configured address found in prevResult must carry the configured gateway.
void cmd_check(const cni::CmdArgs& args) {
  const Config c = load_config(args.conf, args.env.args);
  if (!args.conf.prev_result) throw cni::Error(cni::kInvalidNetworkConfig, "Required prevResult missing");
  for (const auto& want : c.addresses)
    for (const auto& have : args.conf.prev_result->ips)
      if (have.address.ip == want.address.ip && want.gateway && have.gateway != want.gateway)
        throw cni::Error(cni::kInternal, "static: Failed to match addr " + have.address.ip.str() + " on interface " +
                                             args.env.ifname,
                         "gateway " + (have.gateway ? have.gateway->str() : "none") + ", configured " +
                             want.gateway->str());
}

}  // namespace

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, {}, {}}; }

}  // namespace staticipam
