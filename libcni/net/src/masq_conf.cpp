#include "cni/net/masq_conf.hpp"

#include "cni/spec/config.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"

namespace cni {

MasqConf parse_masq_conf(const nlohmann::json& raw) {
  MasqConf m;
  m.enabled = get_bool(raw, "ipMasq", false);
  auto backend = get_string(raw, "ipMasqBackend", "");
  if (backend.empty() || backend == "nftables") m.backend = MasqBackend::nftables;
  else if (backend == "iptables") m.backend = MasqBackend::iptables;
  else
    throw Error(kInvalidNetworkConfig, "unknown ipMasqBackend \"" + backend + "\"", "use \"nftables\" or \"iptables\"");
  return m;
}

void gc_masq_and_ipam(const CmdArgs& args, const std::string& ipam_type) {
  std::vector<Attachment> keep;
  for (const auto& a : valid_attachments(args.conf)) keep.push_back({args.conf.name, a.container_id, a.ifname});
  std::string first_error;
  try {
    masq_gc(args.conf.name, keep);
  } catch (const Error& e) {
    first_error = e.msg();
  }
  if (!ipam_type.empty()) delegate_run("GC", ipam_type, args.stdin_data, args.env);
  if (!first_error.empty()) throw Error(kIoFailure, "failed to collect masquerade rules: " + first_error);
}

}  // namespace cni
