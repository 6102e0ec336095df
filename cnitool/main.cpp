// cnitool: command-line compatible with the reference cnitool (add/check/del/gc/status
// <net> <netns>, NETCONFPATH, CNI_PATH, CNI_IFNAME, CNI_ARGS, CAP_ARGS), plus `list`,
// --json output and a settable cache directory.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::vector<std::string> split_path(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr const char* kExamples = R"(
Environment:
  NETCONFPATH    directory of *.conflist / *.conf files (default /etc/cni/net.d)
  CNI_PATH       ':'-separated plugin directories
  CNI_IFNAME     interface name in the container (default eth0; -i overrides)
  CNI_ARGS       K=V;K=V passed to the plugins as CNI_ARGS
  CAP_ARGS       JSON object of capability arguments, e.g. {"portMappings":[...]}
  CNI_CACHE_DIR  result cache directory (default /var/lib/cni; --cache-dir overrides)

The container ID is "cnitool-" + the first 20 hex digits of sha512(absolute netns path),
as the reference cnitool derives it.

Examples:
  ip netns add demo
  CNI_PATH=/usr/lib/cni cnitool add mynet /var/run/netns/demo
  CNI_PATH=/usr/lib/cni cnitool check mynet /var/run/netns/demo
  CNI_PATH=/usr/lib/cni cnitool del mynet /var/run/netns/demo
  CNI_PATH=/usr/lib/cni cnitool gc mynet --valid cnitool-0123456789abcdef0123:eth0
  CNI_PATH=/usr/lib/cni cnitool --json list
)";

}  // namespace

int main(int argc, char** argv) {
  cnitool::Options o;
  CLI::App app{"cnitool: run a CNI network configuration list against a network namespace", "cnitool"};
  app.footer(kExamples);
  app.require_subcommand(1);
  std::string ifname_flag, cache_flag;
  app.add_option("-i,--ifname", ifname_flag, "Interface name (defaults to env CNI_IFNAME or 'eth0')");
  app.add_option("--cache-dir", cache_flag, "Result cache directory (defaults to env CNI_CACHE_DIR or /var/lib/cni)");
  app.add_flag("--json", o.json, "Machine-readable output (errors as JSON on stdout)");

  std::string net, netns, verb;
  std::vector<std::string> valid;
  auto attach_cmd = [&](const char* name, const char* help) {
    auto* sub = app.add_subcommand(name, help)->fallthrough();
    sub->add_option("network", net, "Network name (the conflist's \"name\")")->required();
    sub->add_option("netns", netns, "Network namespace path, e.g. /var/run/netns/demo")->required();
    sub->callback([&, name] { verb = name; });
  };
  attach_cmd("add", "Add the network's interface to a network namespace; prints the result JSON");
  attach_cmd("check", "Check an attachment made by add (needs the cached result)");
  attach_cmd("del", "Remove the network's interface from a network namespace");
  auto* gc = app.add_subcommand("gc", "Delete every cached attachment of the network not listed as valid, "
                                      "then send GC to every plugin")->fallthrough();
  gc->add_option("network", net, "Network name")->required();
  gc->add_option("netns", netns, "Ignored; accepted for compatibility with the reference cnitool");
  gc->add_option("--valid", valid, "An attachment to keep, as CONTAINERID:IFNAME (repeatable)");
  gc->callback([&] { verb = "gc"; });
  auto* status = app.add_subcommand("status", "Ask every plugin of the network whether it is ready")->fallthrough();
  status->add_option("network", net, "Network name")->required();
  status->add_option("netns", netns, "Ignored; accepted for compatibility with the reference cnitool");
  status->callback([&] { verb = "status"; });
  app.add_subcommand("list", "List the networks in NETCONFPATH, their plugins and each plugin's VERSION answer")
      ->fallthrough()
      ->callback([&] { verb = "list"; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  o.netconf_dir = env_or("NETCONFPATH", "/etc/cni/net.d");
  o.plugin_dirs = split_path(env_or("CNI_PATH", ""));
  o.cache_dir = cache_flag.empty() ? env_or("CNI_CACHE_DIR", "/var/lib/cni") : cache_flag;
  o.ifname = ifname_flag.empty() ? env_or("CNI_IFNAME", "eth0") : ifname_flag;

  try {
    if (verb == "gc") return cnitool::run_gc(o, net, valid);
    if (verb == "status") return cnitool::run_status(o, net);
    if (verb == "list") return cnitool::run_list(o);
    return cnitool::run_attachment_verb(o, verb, net, netns);
  } catch (const cni::Error& e) {
    return cnitool::report_error(o, e, verb);
  }
}
