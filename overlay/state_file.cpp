#include "state_file.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "network.hpp"

namespace overlay {

namespace {
[[noreturn]] void invalid(const std::string& msg) { throw cni::Error(cni::kDecodingFailure, "overlay state: " + msg); }

std::optional<cni::Cidr> cidr_field(const nlohmann::json& j, const char* key) {
  auto text = cni::get_string(j, key);
  if (text.empty()) return std::nullopt;
  auto c = cni::Cidr::parse(text);
  if (!c) invalid(std::string("\"") + key + "\" is not a CIDR: \"" + text + "\"");
  return c;
}
}  // namespace

std::string AgentState::encode() const {
  nlohmann::ordered_json j;
  j["network"] = network;
  j["state"] = state;
  j["subnet"] = subnet ? subnet->str() : "";
  j["overlay"] = overlay ? overlay->str() : "";
  j["mtu"] = mtu;
  j["vni"] = vni;
  j["vxlanDevice"] = vxlan_device;
  j["node"] = node;
  j["underlayIP"] = underlay_ip;
  j["store"] = store;
  j["message"] = message;
  return j.dump(2) + "\n";
}

AgentState AgentState::decode(std::string_view text) {
  nlohmann::json j;
  try {
    j = cni::parse_json(text, "overlay state");
  } catch (const cni::Error& e) {
    invalid(e.msg());
  }
  if (!j.is_object()) invalid("not a JSON object");
  AgentState s;
  try {
    s.network = cni::get_string(j, "network");
    s.state = cni::get_string(j, "state");
    s.subnet = cidr_field(j, "subnet");
    s.overlay = cidr_field(j, "overlay");
    s.mtu = static_cast<int>(cni::get_int(j, "mtu", 0, 65535).value_or(0));
    s.vni = static_cast<uint32_t>(cni::get_int(j, "vni", 0, kMaxVni).value_or(0));
    s.vxlan_device = cni::get_string(j, "vxlanDevice");
    s.node = cni::get_string(j, "node");
    s.underlay_ip = cni::get_string(j, "underlayIP");
    s.store = cni::get_string(j, "store");
    s.message = cni::get_string(j, "message");
  } catch (const cni::Error& e) {
    invalid(e.msg());
  }
  if (s.state.empty()) invalid("no \"state\"");
  if (!s.ok()) return s;  // nothing else is used
  if (!s.subnet || !s.overlay) invalid("state is ok but \"subnet\" or \"overlay\" is missing");
  if (s.subnet->prefix <= s.overlay->prefix || s.subnet->has_host_bits() || !s.overlay->contains(s.subnet->ip))
    invalid("subnet " + s.subnet->str() + " is not a subnet of the overlay " + s.overlay->str());
  NetworkConfig net{*s.overlay, s.subnet->prefix, s.vni, kDefaultPort};
  try {
    net.validate();
  } catch (const cni::Error& e) {
    invalid(e.msg());
  }
  if (!net.index_of(*s.subnet)) invalid("subnet " + s.subnet->str() + " is not a subnet of the overlay " + s.overlay->str());
  if (s.mtu < 68) invalid("\"mtu\" " + std::to_string(s.mtu) + " is below 68");
  return s;
}

std::string state_path(const std::string& dir, const std::string& network) { return dir + "/" + network + ".json"; }

void write_state(const std::string& dir, const AgentState& s) {
  cni::make_dirs(dir, 0755);
  cni::write_file_atomic(state_path(dir, s.network), s.encode(), 0644);
}

std::optional<AgentState> read_state(const std::string& dir, const std::string& network) {
  const std::string path = state_path(dir, network);
  auto f = cni::read_owned_file_if_exists(path, 64 * 1024);
  if (!f) return std::nullopt;
  if (f->uid != 0 || (f->mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", f->mode);
    throw cni::Error(cni::kInvalidEnvironment, "refusing the overlay state file " + path,
                     "it must be owned by root and writable only by root; it is owned by uid " +
                         std::to_string(f->uid) + " with mode " + mode);
  }
  auto s = AgentState::decode(f->content);
  if (s.network != network)
    throw cni::Error(cni::kDecodingFailure, "the overlay state file " + path + " is for network \"" + s.network + "\"");
  return s;
}

}  // namespace overlay
