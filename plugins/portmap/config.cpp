#include "config.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "cni/base/error.hpp"

namespace portmap {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& msg, const std::string& details = {}) {
  throw cni::Error(cni::kInvalidNetworkConfig, msg, details);
}

std::vector<std::string> conditions(const json& raw, const char* key) {
  auto list = cni::get_string_list(raw, key);
  for (const auto& t : list)
    for (char ch : t)
      // Tokens end up in an iptables-restore script or an nft expression: a line break or
      // another control character could smuggle in a rule of its own.
      if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
        invalid(std::string("\"") + key + "\" holds a control character", "token \"" + t + "\"");
  return list;
}

// The reference's rule: an iptables condition starts with an option ("-d ..."); we also
// take a leading "!" followed by an option ("! -d ..."), which is iptables too.
std::optional<Backend> backend_of(const std::vector<std::string>& c) {
  if (c.empty() || c[0].empty()) return std::nullopt;
  if (c[0][0] == '-') return Backend::iptables;
  if (c[0] == "!" && c.size() > 1 && !c[1].empty() && c[1][0] == '-') return Backend::iptables;
  return Backend::nftables;
}

const char* name_of(Backend b) { return b == Backend::iptables ? "iptables" : "nftables"; }

// Picks the backend: the config's, else iptables when the config holds iptables-only
// options (a config written for the reference's iptables default keeps working), else
// nftables. Options of the other backend are refused with the reference's message.
Backend choose_backend(const json& raw, const PortmapConfig& c) {
  std::vector<std::string> for_ipt, for_nft;
  if (raw.contains("externalSetMarkChain") && !raw["externalSetMarkChain"].is_null()) for_ipt.push_back("externalSetMarkChain");
  for (auto [key, list] : {std::pair{"conditionsV4", &c.conditions_v4}, std::pair{"conditionsV6", &c.conditions_v6}}) {
    auto b = backend_of(*list);
    if (b == Backend::iptables) for_ipt.push_back(key);
    if (b == Backend::nftables) for_nft.push_back(key);
  }
  std::optional<Backend> chosen;
  if (raw.contains("backend") && !raw["backend"].is_null()) {
    auto name = cni::get_string(raw, "backend");
    if (name == "iptables") chosen = Backend::iptables;
    else if (name == "nftables") chosen = Backend::nftables;
    else invalid("unrecognized backend \"" + name + "\"", "\"backend\" is \"nftables\" (the default) or \"iptables\"");
  } else {
    chosen = !for_ipt.empty() && for_nft.empty() ? Backend::iptables : Backend::nftables;
  }
  const auto& wrong = *chosen == Backend::iptables ? for_nft : for_ipt;
  if (!wrong.empty()) {
    std::string list;
    for (const auto& k : wrong) list += (list.empty() ? "" : " ") + k;
    invalid(std::string(name_of(*chosen)) + " backend was requested but configuration contains " +
            name_of(*chosen == Backend::iptables ? Backend::nftables : Backend::iptables) + "-specific options [" + list +
            "]");
  }
  return *chosen;
}

std::vector<cni::hostport::Mapping> parse_mappings(const json& rc) {
  std::vector<cni::hostport::Mapping> out;
  if (!rc.is_object() || !rc.contains("portMappings") || rc["portMappings"].is_null()) return out;
  const auto& list = rc["portMappings"];
  if (!list.is_array()) invalid("\"runtimeConfig.portMappings\" must be a list");
  std::set<std::tuple<uint8_t, uint16_t, std::string>> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& e = list[i];
    const std::string where = "runtimeConfig.portMappings[" + std::to_string(i) + "]";
    if (!e.is_object()) invalid("\"" + where + "\" must be an object like {\"hostPort\": 8080, \"containerPort\": 80}");
    auto host = cni::get_int(e, "hostPort", INT64_MIN, INT64_MAX);
    auto cont = cni::get_int(e, "containerPort", INT64_MIN, INT64_MAX);
    auto m = cni::hostport::make_mapping(host.value_or(0), cont.value_or(0), cni::get_string(e, "protocol"),
                                         cni::get_string(e, "hostIP"), where);
    // The same host port twice would leave the second rule unreachable: say so instead.
    if (!seen.insert({m.proto, m.host_port, m.host_ip ? m.host_ip->str() : ""}).second)
      invalid("host port " + std::to_string(m.host_port) + "/" + cni::hostport::proto_name(m.proto) +
                  (m.host_ip ? " on " + m.host_ip->str() : "") + " is mapped twice",
              "in " + where);
    out.push_back(m);
  }
  return out;
}

}  // namespace

PortmapConfig parse_config(const cni::NetConf& conf, const std::string& ifname) {
  const json& raw = conf.raw;
  PortmapConfig c;
  c.network = conf.name;
  c.snat = cni::get_bool(raw, "snat", true);
  c.masq_all = cni::get_bool(raw, "masqAll", false);
  auto bit = cni::get_int(raw, "markMasqBit", INT64_MIN, INT64_MAX);
  c.external_set_mark_chain = cni::get_string(raw, "externalSetMarkChain");
  if (bit && raw.contains("externalSetMarkChain") && !raw["externalSetMarkChain"].is_null())
    invalid("Cannot specify externalSetMarkChain and markMasqBit");
  if (bit && (*bit < 0 || *bit > 31)) invalid("MasqMarkBit must be between 0 and 31");
  if (bit) c.mark_masq_bit = static_cast<int>(*bit);
  if (c.external_set_mark_chain.find_first_of(" \t\"'") != std::string::npos)
    invalid("invalid externalSetMarkChain \"" + c.external_set_mark_chain + "\"");
  c.conditions_v4 = conditions(raw, "conditionsV4");
  c.conditions_v6 = conditions(raw, "conditionsV6");
  c.backend = choose_backend(raw, c);
  if (c.backend == Backend::nftables) {
    c.nft_conditions_v4 = cni::nft::parse_conditions(c.conditions_v4, 4, "conditionsV4");
    c.nft_conditions_v6 = cni::nft::parse_conditions(c.conditions_v6, 6, "conditionsV6");
  }
  c.mappings = parse_mappings(conf.runtime_config);
  if (conf.prev_result) {
    auto addrs = cni::hostport::container_addresses(*conf.prev_result, ifname);
    c.ip4 = addrs.v4;
    c.ip6 = addrs.v6;
  }
  return c;
}

void check_mappable(const cni::NetConf& conf, const PortmapConfig& c) {
  if (!conf.prev_result) invalid("must be called as chained plugin", "portmap needs the previous plugin's result (prevResult)");
  for (const auto& m : c.mappings) {
    if (!m.host_ip) continue;
    const bool v4 = m.host_ip->is_v4();
    if ((v4 && !c.ip4) || (!v4 && !c.ip6))
      invalid("hostIP " + m.host_ip->str() + " is IPv" + (v4 ? "4" : "6") + " but the container has no IPv" +
              (v4 ? "4" : "6") + " address to map it to");
  }
}

std::vector<cni::hostport::Forward> forwards(const PortmapConfig& c) {
  std::vector<cni::hostport::Forward> out;
  for (const auto* ip : {&c.ip4, &c.ip6}) {
    if (!*ip) continue;
    cni::hostport::Forward f;
    f.container = **ip;
    f.conditions = (*ip)->ip.is_v4() ? c.nft_conditions_v4 : c.nft_conditions_v6;
    for (const auto& m : c.mappings)
      if (!m.host_ip || m.host_ip->family() == f.container.ip.family()) f.mappings.push_back(m);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace portmap
