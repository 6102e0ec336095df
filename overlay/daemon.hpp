// cnipp-overlayd's one loop: holds this agent's lease, keeps the VTEP and the peers' routes,
// neighbours and FDB rows in step with the store, and writes the state file the plugin
// reads. The store's callbacks only queue events (event_queue.hpp); every store call and
// all kernel work happen here, on one thread. Kernel entries are permanent, so the
// datapath keeps working while the daemon or ZooKeeper is down.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "cni/kernel/netlink.hpp"
#include "event_queue.hpp"
#include "lease.hpp"
#include "network.hpp"
#include "state_file.hpp"
#include "store.hpp"
#include "vtep.hpp"
#include "zk_store.hpp"

namespace overlay {

struct DaemonOptions {
  ZkOptions zk;
  std::string network;
  std::string node_id;  // default: the underlay address
  cni::IpAddr underlay_ip;
  std::string state_dir = kDefaultStateDir;
  int resync_seconds = 30;  // full check of store, device and kernel entries
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Runs until SIGTERM or SIGINT (blocked here and read through a signalfd). Returns the
  // exit code. Leaves the datapath and the state file in place.
  int run();

 private:
  using Clock = std::chrono::steady_clock;

  void handle(const StoreEvent& e);
  void converge();
  bool load_config();
  bool acquire();
  void adopt(const cni::Cidr& subnet, const Stored& stored);
  void setup_vtep();
  void sync_leases(bool reread_all);
  void refresh_leases();
  void apply_peers();
  bool restore_own();
  PeerSet believable_peers();
  void lose_lease(const std::string& why);
  void publish(const std::string& state, const std::string& message = {});
  std::string lease_data() const;
  void retry_in(std::chrono::milliseconds d);

  DaemonOptions opts_;
  EventQueue queue_;
  std::unique_ptr<Store> store_;
  cni::Netlink nl_;
  std::mt19937 rng_;

  bool connected_ = false;
  bool new_session_ = true;   // watches and the alive node must be set up again
  std::optional<NetworkConfig> config_;
  bool config_stale_ = true;  // reread at the next converge
  std::string config_problem_;  // why the store's config is being ignored (logged once)
  std::optional<Lease> lease_;
  std::optional<cni::Cidr> preferred_;  // try this subnet first (the last one held)
  bool announced_ = false;
  bool in_service_ = false;  // "in service" logged for this session and lease
  int vtep_index_ = 0;
  std::string vtep_name_;
  int mtu_ = 0;
  bool leases_stale_ = true;
  bool reread_all_ = true;
  std::map<std::string, Stored> leases_;               // the store's leases, by key, as read
  std::set<std::string> changed_keys_;                 // leases whose data watch fired
  std::map<std::string, std::string> last_good_;        // key -> the last content believed
  std::map<std::string, std::string> logged_rejects_;  // key -> reason already logged
  std::chrono::milliseconds backoff_{0};
  Clock::time_point retry_at_ = Clock::time_point::max();
  Clock::time_point reopen_at_ = Clock::time_point::max();  // a new session after an auth failure
  Clock::time_point resync_at_;
  AgentState state_;
  std::string written_;  // the state file's last content
};

}  // namespace overlay
