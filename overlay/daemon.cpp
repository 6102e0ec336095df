#include "daemon.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cni/base/error.hpp"
#include "log.hpp"
#include "reconciler.hpp"

namespace overlay {

namespace {

constexpr auto kFirstBackoff = std::chrono::seconds(5);
constexpr auto kMaxBackoff = std::chrono::minutes(5);
constexpr int kClaimAttempts = 10;
constexpr size_t kCandidates = 100;  // pick at random among the first free ones (flannel)

void log(const std::string& m) { log_line(m); }

}  // namespace

Daemon::Daemon(DaemonOptions o)
    : opts_(std::move(o)), nl_(cni::Netlink::open()), rng_(std::random_device{}()) {
  if (opts_.node_id.empty()) opts_.node_id = opts_.underlay_ip.str();
  validate_node_id(opts_.node_id);
  state_.network = opts_.network;
  state_.node = opts_.node_id;
  state_.underlay_ip = opts_.underlay_ip.str();
}

Daemon::~Daemon() = default;

void Daemon::retry_in(std::chrono::milliseconds d) { retry_at_ = std::min(retry_at_, Clock::now() + d); }

void Daemon::publish(const std::string& state, const std::string& message) {
  state_.state = state;
  state_.message = message;
  state_.store = connected_ ? "connected" : "disconnected";
  if (lease_) state_.subnet = lease_->subnet;
  if (config_) {
    state_.overlay = config_->subnet;
    state_.vni = config_->vni;
  }
  if (mtu_) state_.mtu = mtu_;
  if (!vtep_name_.empty()) state_.vxlan_device = vtep_name_;
  auto text = state_.encode();
  if (text == written_) return;
  try {
    write_state(opts_.state_dir, state_);
    written_ = std::move(text);
  } catch (const cni::Error& e) {
    log("cannot write the state file: " + e.msg());
  }
  if (state != kStateOk) log("state " + state + (message.empty() ? "" : ": " + message));
}

std::string Daemon::lease_data() const { return lease_->encode(); }

int Daemon::run() {
  // Blocked before the store starts its threads, so they inherit the mask and the signals
  // reach only the signalfd.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  cni::UniqueFd sigfd(signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!sigfd) throw cni::io_error("failed to create a signalfd", errno);

  find_underlay(nl_, opts_.underlay_ip);  // refuse to start on an address this host lacks

  // A state file from this boot (the state dir is under /run) stays in force until the
  // store says otherwise: the lease it names is persistent, so the plugin keeps working
  // while ZooKeeper is unreachable.
  try {
    auto prev = read_state(opts_.state_dir, opts_.network);
    if (prev && prev->subnet) preferred_ = prev->subnet;
    if (prev && prev->ok() && prev->node == opts_.node_id) {
      state_ = *prev;
      written_ = state_.encode();
    }
  } catch (const cni::Error& e) {
    log("ignoring the previous state file: " + e.msg());
  }
  if (written_.empty()) publish(kStateStarting, "connecting to ZooKeeper");
  log("node " + opts_.node_id + ", underlay " + opts_.underlay_ip.str() + ", ZooKeeper " + opts_.zk.connect +
      opts_.zk.root);

  store_ = open_zookeeper(opts_.zk, [this](const StoreEvent& e) { queue_.push(e); });
  resync_at_ = Clock::now() + std::chrono::seconds(opts_.resync_seconds);

  for (;;) {
    auto next = std::min(retry_at_, resync_at_);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    pollfd fds[2] = {{sigfd.get(), POLLIN, 0}, {queue_.fd(), POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(std::clamp<long long>(wait, 0, 60000)));
    if (n < 0 && errno != EINTR) throw cni::io_error("poll failed", errno);
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo si{};
      [[maybe_unused]] ssize_t r = read(sigfd.get(), &si, sizeof si);
      log("signal " + std::to_string(si.ssi_signo) + ": leaving the datapath in place and exiting");
      break;
    }
    if (fds[1].revents & POLLIN)
      for (const auto& e : queue_.take()) handle(e);
    const auto now = Clock::now();
    if (now >= retry_at_) retry_at_ = Clock::time_point::max();
    if (now >= resync_at_) {
      resync_at_ = now + std::chrono::seconds(opts_.resync_seconds);
      leases_stale_ = true;
      announced_ = false;  // re-checked: someone may have deleted it
      vtep_index_ = 0;     // re-checked: someone may have deleted or changed the device
    }
    converge();
  }
  store_.reset();  // closing the session removes alive/<node>
  return 0;
}

void Daemon::handle(const StoreEvent& e) {
  if (!e.network.empty() && e.network != opts_.network) return;
  switch (e.kind) {
    case StoreEvent::connected:
      log(std::string("connected to ZooKeeper") + (new_session_ ? " (new session)" : ""));
      connected_ = true;
      if (new_session_) {
        // Watches and ephemeral nodes died with the old session: set everything up again.
        new_session_ = false;
        in_service_ = false;
        announced_ = false;
        config_stale_ = true;
        reread_all_ = true;
      }
      leases_stale_ = true;
      break;
    case StoreEvent::disconnected:
      if (connected_) log("disconnected from ZooKeeper; the client library reconnects, the datapath stays");
      connected_ = false;
      break;
    case StoreEvent::expired:
      log("ZooKeeper session expired; starting a new one");
      connected_ = false;
      new_session_ = true;
      store_->reopen();
      break;
    case StoreEvent::auth_failed:
      // The session is dead; a new one at once would fail the same way, in a tight loop.
      log("ZooKeeper refused this daemon's credentials; trying a new session in 5 s");
      connected_ = false;
      new_session_ = true;
      reopen_at_ = Clock::now() + std::chrono::seconds(5);
      retry_in(std::chrono::seconds(5));
      break;
    case StoreEvent::config_changed: config_stale_ = true; break;
    case StoreEvent::leases_changed:
      leases_stale_ = true;
      if (!lease_) retry_in(std::chrono::milliseconds(0));  // a subnet may have been freed
      break;
    case StoreEvent::lease_changed: changed_keys_.insert(e.key); break;
  }
}

void Daemon::converge() {
  if (Clock::now() >= reopen_at_) {
    reopen_at_ = Clock::time_point::max();
    store_->reopen();
  }
  if (!connected_) {
    if (!written_.empty() && state_.store != "disconnected") publish(state_.state, state_.message);
    return;
  }
  try {
    if (config_stale_ && !load_config()) return;
    if (!config_) return;
    if (!lease_ && !acquire()) return;
    if (!announced_) {
      nlohmann::ordered_json alive{{"underlayIP", opts_.underlay_ip.str()}, {"pid", getpid()}};
      store_->announce(opts_.network, opts_.node_id, alive.dump());
      announced_ = true;
    }
    if (!vtep_index_) setup_vtep();
    if (leases_stale_) sync_leases(std::exchange(reread_all_, false));
    else if (!changed_keys_.empty()) refresh_leases();
    if (!lease_) return;  // lost while syncing: acquire again at once
    backoff_ = std::chrono::milliseconds(0);
    publish(kStateOk);
    if (!in_service_) {
      log("in service: lease " + lease_->key + ", " + std::to_string(leases_.size() - 1) + " other leases");
      in_service_ = true;
    }
  } catch (const StoreError& e) {
    log(e.what());
    if (e.kind() == StoreError::no_auth) {
      // Wrong or missing credentials do not fix themselves within a second.
      if (!lease_) publish(kStateError, std::string("ZooKeeper refused this daemon's writes: ") + e.what());
      retry_in(std::chrono::seconds(30));
    } else {
      retry_in(std::chrono::seconds(1));
    }
  } catch (const cni::Error& e) {
    log(e.msg() + (e.details().empty() ? "" : " (" + e.details() + ")"));
    vtep_index_ = 0;  // check the device again too
    leases_stale_ = true;
    retry_in(std::chrono::seconds(2));
  }
}

// The network's definition is read once per process and then pinned: a network's range,
// subnet length, VNI and port never change (tasks would be renumbered), so a config that
// later vanishes, fails the checks or differs is logged once and ignored, and the datapath
// stays as it is. Without a config yet, the state file says why.
bool Daemon::load_config() {
  auto text = store_->network_config(opts_.network, true);
  config_stale_ = false;
  std::string problem;
  std::optional<NetworkConfig> c;
  if (!text) {
    problem = "network \"" + opts_.network + "\" does not exist under " + opts_.zk.root +
              " (create it with cnipp-overlayctl network create)";
  } else {
    try {
      c = NetworkConfig::decode(*text);
    } catch (const cni::Error& e) {
      problem = e.msg();
    }
  }
  if (config_) {
    if (c && *c == *config_) return true;
    if (c) problem = "it changed to " + c->encode() + ", but a network's range, subnet length, VNI and port are fixed";
    if (problem != config_problem_) log("ignoring the network config " + opts_.zk.root + "/" + opts_.network + "/config: " + problem);
    config_problem_ = problem;
    return true;
  }
  if (!c) {
    publish(text ? kStateBadConfig : kStateNoNetwork, problem);
    return false;
  }
  config_ = c;
  return true;
}

// Takes `subnet` as this agent's lease. `stored` is what the store holds for it: rewritten
// to this node's data when it says anything else (a new underlay address after a move, or
// a rewrite by someone else while this daemon was down: nodes/<node> and subnets/<key> are
// only ever created together, by the node itself).
void Daemon::adopt(const cni::Cidr& subnet, const Stored& stored) {
  Lease l;
  l.key = lease_key(subnet);
  l.node = opts_.node_id;
  l.subnet = subnet;
  l.underlay_ip = opts_.underlay_ip;
  l.vtep_mac = vtep_mac_for(opts_.underlay_ip);
  lease_ = l;
  preferred_ = subnet;
  vtep_index_ = 0;
  leases_stale_ = true;
  bool same = false;
  try {
    same = Lease::decode(l.key, stored.data, *config_) == l;
  } catch (const cni::Error&) {
  }
  if (!same) {
    if (!store_->update_lease(opts_.network, l.key, l.encode(), stored.version)) {
      lease_.reset();
      throw StoreError(StoreError::other, "lease " + l.key + " changed while it was being updated");
    }
    log("rewrote lease " + l.key + " with this node's underlay address and VTEP MAC");
  }
  log("holding lease " + l.key);
}

bool Daemon::acquire() {
  const auto& net = *config_;
  for (int round = 0; round < 2; ++round) {
    // 1. The lease this node already holds (a restart, or a new session).
    if (auto idx = store_->node_lease(opts_.network, opts_.node_id)) {
      auto subnet = parse_lease_key(idx->data);
      const bool in_pool = subnet && net.index_of(*subnet);
      auto stored = in_pool ? store_->lease(opts_.network, idx->data, false) : std::nullopt;
      if (stored) {
        adopt(*subnet, *stored);
        return true;
      }
      // The index names a lease that is gone (or no pool member): drop it, and try its
      // subnet first if it is one.
      if (in_pool) preferred_ = subnet;
      store_->drop_node(opts_.network, opts_.node_id, idx->version);
    }
    // 2. A free subnet: the preferred one first, then one at random among the first free.
    std::set<uint64_t> used;
    for (const auto& k : store_->lease_keys(opts_.network, true))
      if (auto s = parse_lease_key(k))
        if (auto i = net.index_of(*s)) used.insert(*i);
    std::vector<uint64_t> candidates;
    for (uint64_t i = 0; i < net.subnet_count() && candidates.size() < kCandidates; ++i)
      if (!used.count(i)) candidates.push_back(i);
    std::shuffle(candidates.begin(), candidates.end(), rng_);
    if (preferred_)
      if (auto i = net.index_of(*preferred_); i && !used.count(*i)) candidates.insert(candidates.begin(), *i);
    if (candidates.empty()) {
      backoff_ = std::clamp<std::chrono::milliseconds>(backoff_ * 2, kFirstBackoff, kMaxBackoff);
      retry_in(backoff_);
      publish(kStateNoLease, "every /" + std::to_string(net.subnet_len) + " of " + net.subnet.str() +
                                 " is leased; release one with cnipp-overlayctl lease release");
      return false;
    }
    bool node_taken = false;
    for (size_t n = 0; n < candidates.size() && n < static_cast<size_t>(kClaimAttempts); ++n) {
      Lease l;
      l.subnet = net.subnet_at(candidates[n]);
      l.key = lease_key(l.subnet);
      l.node = opts_.node_id;
      l.underlay_ip = opts_.underlay_ip;
      l.vtep_mac = vtep_mac_for(opts_.underlay_ip);
      const std::string data = l.encode();
      switch (store_->claim(opts_.network, l.key, data, opts_.node_id)) {
        case Claim::created:
          adopt(l.subnet, Stored{data, 0, 0});
          return true;
        case Claim::subnet_taken: continue;
        case Claim::node_taken: node_taken = true; break;
      }
      if (node_taken) break;
    }
    if (!node_taken) break;  // lost every race: list again shortly
  }
  retry_in(std::chrono::milliseconds(200));
  return false;
}

void Daemon::setup_vtep() {
  VtepSpec spec;
  spec.name = vxlan_device_name(config_->vni);
  spec.vni = config_->vni;
  spec.port = config_->port;
  spec.local = opts_.underlay_ip;
  spec.underlay = find_underlay(nl_, opts_.underlay_ip);
  spec.subnet = lease_->subnet;
  vtep_index_ = ensure_vtep(nl_, spec, &log);
  vtep_name_ = spec.name;
  mtu_ = spec.mtu();
  leases_stale_ = true;  // a new device has no entries yet
}

void Daemon::sync_leases(bool reread_all) {
  auto keys = store_->lease_keys(opts_.network, true);
  leases_stale_ = false;
  const auto changed = std::exchange(changed_keys_, {});  // read again below if still there
  std::set<std::string> now(keys.begin(), keys.end());
  for (auto it = leases_.begin(); it != leases_.end();)
    it = now.count(it->first) ? std::next(it) : leases_.erase(it);
  for (const auto& k : keys) {
    if (!reread_all && leases_.count(k) && !changed.count(k)) continue;
    auto s = store_->lease(opts_.network, k, true);
    if (s) leases_[k] = *s;
    else leases_.erase(k);
  }
  apply_peers();
}

// The leases whose data watch fired since the last round, read again (which re-arms the
// watch), then one reconcile for all of them.
void Daemon::refresh_leases() {
  for (auto it = changed_keys_.begin(); it != changed_keys_.end(); it = changed_keys_.erase(it)) {
    auto s = store_->lease(opts_.network, *it, true);
    if (s) leases_[*it] = *s;
    else leases_.erase(*it);
  }
  apply_peers();
}

void Daemon::lose_lease(const std::string& why) {
  log("lost lease " + lease_->key + " (" + why + "); acquiring again, this subnet first");
  preferred_ = lease_->subnet;
  lease_.reset();
  in_service_ = false;
  retry_in(std::chrono::milliseconds(0));
}

// This agent's own lease must say what this daemon wrote. Rewritten by someone else (by
// hand, or by a forger when the store is open to anyone): write it back, so neither this
// agent nor its peers move. Deleted (lease release while this daemon runs): false, and the
// lease is claimed again, the same subnet first.
bool Daemon::restore_own() {
  auto it = leases_.find(lease_->key);
  if (it == leases_.end()) {
    lose_lease("released");
    return false;
  }
  const std::string want = lease_data();
  bool same = false;
  try {
    same = Lease::decode(lease_->key, it->second.data, *config_) == Lease::decode(lease_->key, want, *config_);
  } catch (const cni::Error&) {
  }
  if (!same) {
    log("lease " + lease_->key + " was rewritten by someone else; restoring it");
    if (store_->update_lease(opts_.network, lease_->key, want, it->second.version)) it->second.data = want;
    else leases_stale_ = true;  // changed again meanwhile: read and decide again
  }
  return true;
}

// The leases to program: every valid one, and for a lease whose current content is refused
// the content last believed for it, so a forged or garbled rewrite changes no route.
PeerSet Daemon::believable_peers() {
  const Self self{opts_.node_id, lease_->subnet, opts_.underlay_ip};
  std::vector<StoredLease> stored;
  for (const auto& [k, s] : leases_) stored.push_back({k, s.data, s.created});
  auto set = select_peers(stored, *config_, self);
  std::map<std::string, std::string> rejects;
  bool substituted = false;
  for (const auto& r : set.rejected) {
    rejects[r.key] = r.reason;
    auto it = logged_rejects_.find(r.key);
    if (it == logged_rejects_.end() || it->second != r.reason)
      log("ignoring lease " + opts_.zk.root + "/" + opts_.network + "/subnets/" + r.key + ": " + r.reason +
          (last_good_.count(r.key) ? " (keeping its previous content)" : ""));
    for (auto& s : stored)
      if (s.key == r.key && last_good_.count(r.key) && s.data != last_good_[r.key]) {
        s.data = last_good_[r.key];
        substituted = true;
      }
  }
  logged_rejects_ = std::move(rejects);
  if (substituted) set = select_peers(stored, *config_, self);
  for (const auto& p : set.peers) last_good_[p.key] = p.encode();
  for (auto it = last_good_.begin(); it != last_good_.end();)
    it = leases_.count(it->first) ? std::next(it) : last_good_.erase(it);
  return set;
}

void Daemon::apply_peers() {
  if (!config_ || !lease_) return;
  if (!restore_own()) return;
  auto set = believable_peers();
  if (!vtep_index_) return;
  auto st = reconcile_peers(nl_, vtep_index_, set.peers);
  if (st.added || st.removed)
    log(std::to_string(set.peers.size()) + " peers: " + std::to_string(st.added) + " kernel entries written, " +
        std::to_string(st.removed) + " removed");
}

}  // namespace overlay
