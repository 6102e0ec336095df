#include "cni/masq_conf.hpp"

#include "cni/config.hpp"
#include "cni/error.hpp"

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

}  // namespace cni
