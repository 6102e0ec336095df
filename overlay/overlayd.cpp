// cnipp-overlayd: one per agent and overlay network. Runs in the foreground, logs to
// stderr, exits 0 on SIGTERM leaving the datapath in place (daemon.hpp).
#include <CLI/CLI.hpp>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "daemon.hpp"
#include "log.hpp"

int main(int argc, char** argv) {
  overlay::DaemonOptions o;
  std::string underlay, auth_file;
  CLI::App app{"cnipp-overlayd: holds this agent's subnet of a VXLAN overlay leased from ZooKeeper and keeps "
               "routes, neighbours and FDB entries to every other agent's subnet"};
  app.add_option("--zookeeper", o.zk.connect, "ZooKeeper servers: host:port[,host:port...][/chroot]")->required();
  app.add_option("--network", o.network, "the overlay network's name (created with cnipp-overlayctl)")->required();
  app.add_option("--underlay-ip", underlay, "this agent's IPv4 address that peers send VXLAN packets to")->required();
  app.add_option("--node-id", o.node_id, "this agent's stable name in the store (default: the underlay address)");
  app.add_option("--state-dir", o.state_dir, "where NAME.json is written for the plugin")->capture_default_str();
  app.add_option("--root", o.zk.root, "the overlay's znode")->capture_default_str();
  app.add_option("--auth-file", auth_file,
                 "ZooKeeper credentials, one line \"digest USER:PASSWORD\" (owned by root, mode 0600): every znode "
                 "this daemon creates is then writable by that identity only");
  app.add_option("--session-timeout-ms", o.zk.session_timeout_ms, "ZooKeeper session timeout")
      ->capture_default_str()
      ->check(CLI::Range(1000, 600000));
  app.add_option("--resync-seconds", o.resync_seconds, "how often the store, the device and the kernel entries are checked in full")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  CLI11_PARSE(app, argc, argv);

  overlay::set_log_name("cnipp-overlayd[" + o.network + "]");
  try {
    cni::validate_network_name(o.network);
    if (!auth_file.empty()) o.zk.auth.push_back(overlay::load_auth_file(auth_file));
    auto ip = cni::IpAddr::parse(underlay);
    if (!ip || !overlay::is_unicast_underlay(*ip))
      throw cni::Error(cni::kInvalidNetworkConfig, "--underlay-ip \"" + underlay + "\" is not a unicast IPv4 address");
    o.underlay_ip = *ip;
    overlay::Daemon daemon(o);
    return daemon.run();
  } catch (const cni::Error& e) {
    overlay::log_line("fatal: " + e.msg() + (e.details().empty() ? "" : " (" + e.details() + ")"));
  } catch (const std::exception& e) {
    overlay::log_line(std::string("fatal: ") + e.what());
  }
  return 1;
}
