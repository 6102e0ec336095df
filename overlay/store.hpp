// The cluster store behind the overlay, as the daemon and the ctl use it. Only ZooKeeper
// implements it today (zk_store.cpp); the operations are phrased so an etcd backend (a
// prefix watch, txn on version == 0, leases for liveness) can implement them too.
//
// Layout (one subtree per network under a root, `/cnipp` by default):
//   <root>/<net>/config          the network's definition (network.hpp)
//   <root>/<net>/subnets/<key>   one lease: owner node, underlay IP, VTEP MAC (lease.hpp)
//   <root>/<net>/nodes/<node>    the key of the node's lease: one lease per node
//   <root>/<net>/alive/<node>    present while the node's daemon holds a session
// subnets/<key> and nodes/<node> are created and deleted together, atomically; leases are
// persistent, so an outage or a restart never moves an agent to another subnet.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace overlay {

// What the store tells its user, from the store's own thread: the handler must only queue
// it (every store call and all kernel work happen on the user's one loop).
struct StoreEvent {
  enum Kind { connected, disconnected, expired, auth_failed, leases_changed, lease_changed, config_changed };
  Kind kind;
  std::string network;
  std::string key;  // lease_changed: the lease's key
};
using StoreNotify = std::function<void(const StoreEvent&)>;

class StoreError : public std::runtime_error {
 public:
  enum Kind { connection, no_auth, other };
  StoreError(Kind k, const std::string& msg) : std::runtime_error(msg), kind_(k) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct Stored {
  std::string data;
  int32_t version = 0;  // for conditional updates
  int64_t created = 0;  // a store-wide order of creation
};

enum class Claim { created, subnet_taken, node_taken };

class Store {
 public:
  virtual ~Store() = default;

  // Blocks until the session is up or `timeout_ms` passes; false on timeout.
  virtual bool wait_connected(int timeout_ms) = 0;
  // After `expired`: drops the dead session and starts a new one (same credentials).
  virtual void reopen() = 0;

  // Networks. create_network is false when the network exists already.
  virtual bool create_network(const std::string& net, const std::string& config) = 0;
  virtual std::vector<std::string> networks() = 0;
  // nullopt when there is no such network. `watch`: a config_changed event follows the next
  // change, including the network's creation.
  virtual std::optional<std::string> network_config(const std::string& net, bool watch) = 0;

  // Leases. `watch` on lease_keys: leases_changed when one is added or removed; on lease:
  // lease_changed when that one is rewritten or deleted.
  virtual std::vector<std::string> lease_keys(const std::string& net, bool watch) = 0;
  virtual std::optional<Stored> lease(const std::string& net, const std::string& key, bool watch) = 0;
  // The key of `node`'s lease (nodes/<node>), nullopt when it holds none.
  virtual std::optional<Stored> node_lease(const std::string& net, const std::string& node) = 0;
  // Creates subnets/<key> and nodes/<node> in one transaction.
  virtual Claim claim(const std::string& net, const std::string& key, const std::string& lease_data,
                      const std::string& node) = 0;
  // Rewrites subnets/<key> if it is still at `version`; false when it changed or vanished.
  virtual bool update_lease(const std::string& net, const std::string& key, const std::string& data, int32_t version) = 0;
  // Deletes subnets/<key> and nodes/<node> (whichever exist); false when neither did.
  virtual bool release(const std::string& net, const std::string& key, const std::string& node) = 0;
  // Deletes nodes/<node> if it is still at `version` (a node index whose lease is gone).
  virtual void drop_node(const std::string& net, const std::string& node, int32_t version) = 0;

  // Liveness: alive/<node> for as long as this session lives; one left by an older session
  // of the same node is replaced.
  virtual void announce(const std::string& net, const std::string& node, const std::string& data) = 0;
  virtual bool is_alive(const std::string& net, const std::string& node) = 0;

  // Access control: sets, on the root and on every node of `net`, the rule this client
  // creates nodes with (only its identities may write, anyone may read). For enabling
  // authentication on an existing network and for rotating its password.
  virtual void secure_network(const std::string& net) = 0;
};

}  // namespace overlay
