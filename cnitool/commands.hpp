// cnitool's verbs, separated from argument parsing so each reads as what it does.
#pragma once

#include <string>
#include <vector>

#include "cni/runtime/runtime.hpp"

namespace cnitool {

struct Options {
  std::string netconf_dir;  // NETCONFPATH, default /etc/cni/net.d
  std::vector<std::string> plugin_dirs;  // CNI_PATH
  std::string cache_dir;  // --cache-dir / CNI_CACHE_DIR, default /var/lib/cni
  std::string ifname;     // -i / CNI_IFNAME, default eth0
  bool json = false;      // machine-readable output
};

// The reference's container ID: "cnitool-" + the first 20 hex digits of sha512(abs netns).
std::string container_id_for(const std::string& abs_netns);
// filepath.Abs: joined with the working directory when relative, then cleaned lexically.
std::string absolute_path(const std::string& path);
// The reference cnitool's CNI_ARGS parser: "K=V;K=V", each pair exactly one '=' with both
// sides non-empty.
std::vector<std::pair<std::string, std::string>> parse_cni_args(const std::string& text);

// Each returns the process exit code and prints its own output and errors.
int run_attachment_verb(const Options& o, const std::string& verb, const std::string& net, const std::string& netns);
int run_gc(const Options& o, const std::string& net, const std::vector<std::string>& valid);
int run_status(const Options& o, const std::string& net);
int run_list(const Options& o);

// Prints a failure: readable on stderr always, and as JSON on stdout with --json.
int report_error(const Options& o, const cni::Error& e, const std::string& verb);

}  // namespace cnitool
