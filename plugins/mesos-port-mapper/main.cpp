// mesos-cni-port-mapper: a drop-in for Mesos's plugin of that name. Runs the skeleton like
// every cnipp plugin, but answers errors with Mesos's plugin's codes (100-104).
#include <cstdio>
#include <string>

#include "bridge.hpp"
#include "cni/spec/delegate.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/skel.hpp"
#include "config.hpp"
#include "host_local.hpp"
#include "mesos_port_mapper.hpp"

namespace {

using namespace mesos_port_mapper;

bool known_command(const std::string& c) {
  return c == "ADD" || c == "DEL" || c == "CHECK" || c == "VERSION" || c == "STATUS" || c == "GC";
}

std::string error_text(const cni::Error& e) { return e.to_json().dump(4) + "\n"; }

// The skeleton's own refusals (environment, JSON, version, netns: codes below 100) are what
// Mesos's plugin calls a bad environment or config (101); the CNI code stays in details.
std::string with_mesos_code(const std::string& out) {
  try {
    auto e = cni::Error::from_json(nlohmann::json::parse(out));
    if (e.code() >= kStdinRead && e.code() <= kUnsupported) return out;
    auto details = "CNI error code " + std::to_string(e.code()) + (e.details().empty() ? "" : ": " + e.details());
    return error_text(cni::Error(kBadConfig, e.msg(), details));
  } catch (const std::exception&) {
    return out;
  }
}

}  // namespace

int main() {
  // The delegate Marathon's and DC/OS's configs name is bridge (with host-local): when
  // CNI_PATH's are this build's, they run in this process.
  cni::register_builtin("bridge", bridge::callbacks());
  cni::register_builtin("host-local", hostlocal::callbacks());

  const auto env = cni::Env::from_environ();
  if (env.command.empty()) {
    std::fprintf(stderr, "CNI mesos-cni-port-mapper plugin %s (cnipp)\n%s\n", CNIPP_VERSION,
                 "runs a delegate plugin and forwards Mesos network_info port mappings to the container");
    return 0;
  }
  if (!known_command(env.command)) {
    cni::write_stdout(error_text(cni::Error(kUnsupported, "Unsupported command: " + env.command)));
    return 1;
  }
  std::string in;
  try {
    in = cni::read_stdin();
  } catch (const cni::Error& e) {
    cni::write_stdout(error_text(cni::Error(kStdinRead, e.msg())));
    return 1;
  }
  std::string out;
  const int rc = cni::run_command(callbacks(), env, std::move(in), out);
  cni::write_stdout(rc == 0 ? out : with_mesos_code(out));
  return rc;
}
