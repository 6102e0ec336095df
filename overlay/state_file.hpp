// The agent's overlay state, written by cnipp-overlayd to `<stateDir>/<network>.json` and
// read by the cnipp-overlay plugin, which never talks to the store (flannel's subnet.env,
// as JSON). The plugin trusts it only when root owns it and nobody else may write it, and
// checks its content as the daemon checks the store's data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cni/base/ip.hpp"

namespace overlay {

// Words for AgentState::state. Only kOk lets the plugin attach a container.
inline constexpr const char* kStateOk = "ok";                  // a subnet is leased, the VTEP is set up
inline constexpr const char* kStateNoLease = "no-lease";       // the pool is exhausted
inline constexpr const char* kStateStarting = "starting";      // not yet connected, no lease known
inline constexpr const char* kStateNoNetwork = "no-network";   // the network does not exist in the store
inline constexpr const char* kStateBadConfig = "bad-config";   // the store's network config is refused
inline constexpr const char* kStateError = "error";            // anything else; see message

inline constexpr const char* kDefaultStateDir = "/run/cnipp-overlay";

struct AgentState {
  std::string network;  // the network's name
  std::string state = kStateStarting;
  std::optional<cni::Cidr> subnet;   // this agent's lease (always set when state is ok)
  std::optional<cni::Cidr> overlay;  // the whole overlay range
  int mtu = 0;                       // for the containers' interfaces: underlay MTU - 50
  uint32_t vni = 0;
  std::string vxlan_device;
  std::string node;
  std::string underlay_ip;
  std::string store;    // "connected", "disconnected", ... (informational)
  std::string message;  // what is wrong, for humans

  std::string encode() const;
  // Strict decode: the fields the plugin uses are present and consistent (the subnet one of
  // the overlay's pool, the overlay range allowed, the MTU sane). Throws cni::Error.
  static AgentState decode(std::string_view text);
  bool ok() const { return state == kStateOk; }
};

std::string state_path(const std::string& dir, const std::string& network);
// Atomically replaces the file (temp + rename; mode 0644, the directory created 0755).
void write_state(const std::string& dir, const AgentState& s);
// The plugin's read: nullopt when the file does not exist. Throws cni::Error when it is
// not a regular file owned by root, is writable by group or others, or does not decode:
// whoever can write it decides which subnet the plugin hands out.
std::optional<AgentState> read_state(const std::string& dir, const std::string& network);

}  // namespace overlay
