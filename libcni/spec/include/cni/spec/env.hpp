// The CNI environment contract (CNI_* variables) and CNI_ARGS parsing, with the
// reference skeleton's validation rules.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cni {

struct Env {
  std::string command;       // CNI_COMMAND
  std::string container_id;  // CNI_CONTAINERID
  std::string netns;         // CNI_NETNS
  std::string ifname;        // CNI_IFNAME
  std::string args;          // CNI_ARGS, raw
  std::string path;          // CNI_PATH, raw
  bool netns_override = false;  // CNI_NETNS_OVERRIDE=1|true: skip the own-netns check

  static Env from_environ();
  std::vector<std::string> path_dirs() const;  // CNI_PATH split on ':' (empty parts dropped)
};

// Required variables per verb, as the reference skeleton checks them. Throws
// Error(kInvalidEnvironment) naming every missing variable.
void check_required_env(const Env& env);

// ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$ ; empty -> code 3, bad characters -> code 4.
void validate_container_id(const std::string& id);
// <=15 bytes, not "." or "..", no '/', ':' or whitespace (code 4).
void validate_ifname(const std::string& ifname);

// CNI_ARGS "K=V;K=V". Keys outside `known` are an error unless IgnoreUnknown=1|true
// (the reference matches keys case-sensitively against its struct fields).
class CniArgs {
 public:
  static CniArgs parse(std::string_view text, const std::set<std::string>& known);
  std::optional<std::string> get(const std::string& key) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace cni
