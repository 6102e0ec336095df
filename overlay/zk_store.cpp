#include "zk_store.hpp"

#include <zookeeper/zookeeper.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "cni/base/error.hpp"
#include "lease.hpp"

namespace overlay {

namespace {

// Errors that mean "the session is not usable right now": wait for the library to
// reconnect (or for the expiry event), then retry.
bool is_connection_error(int rc) {
  return rc == ZCONNECTIONLOSS || rc == ZOPERATIONTIMEOUT || rc == ZSESSIONEXPIRED || rc == ZINVALIDSTATE ||
         rc == ZCLOSING || rc == ZSESSIONMOVED;
}

[[noreturn]] void fail(int rc, const std::string& what) {
  const std::string msg = what + ": " + zerror(rc);
  if (is_connection_error(rc)) throw StoreError(StoreError::connection, msg);
  if (rc == ZNOAUTH || rc == ZAUTHFAILED || rc == ZINVALIDACL) throw StoreError(StoreError::no_auth, msg);
  throw StoreError(StoreError::other, msg);
}

constexpr int kMaxDataBytes = static_cast<int>(kMaxLeaseBytes) + 1;  // one more: oversize is detectable

// With credentials: every identity this session authenticated as may do anything ("auth"
// expands to them on the server), anyone may read. Whoever can write the overlay's nodes
// steers every agent's routes; reading them tells nothing an agent's routing table does not.
ACL kAuthAclEntries[] = {{ZOO_PERM_ALL, {const_cast<char*>("auth"), const_cast<char*>("")}},
                         {ZOO_PERM_READ, {const_cast<char*>("world"), const_cast<char*>("anyone")}}};
ACL_vector kAuthAcl = {2, kAuthAclEntries};

class ZkStore final : public Store {
 public:
  ZkStore(ZkOptions opts, StoreNotify notify) : opts_(std::move(opts)), notify_(std::move(notify)) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_ERROR);
    start();
  }
  ~ZkStore() override { close(); }

  bool wait_connected(int timeout_ms) override {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return connected_; });
  }

  void reopen() override {
    close();
    start();
  }

  bool create_network(const std::string& net, const std::string& config) override {
    ensure_path(opts_.root);
    secure_root();
    const std::string base = net_path(net), cfg = base + "/config", sub = base + "/subnets", nodes = base + "/nodes",
                      alive = base + "/alive";
    zoo_op_t ops[5];
    zoo_op_result_t results[5];
    zoo_create_op_init(&ops[0], base.c_str(), nullptr, -1, acl(), 0, nullptr, 0);
    zoo_create_op_init(&ops[1], cfg.c_str(), config.data(), static_cast<int>(config.size()), acl(), 0, nullptr, 0);
    zoo_create_op_init(&ops[2], sub.c_str(), nullptr, -1, acl(), 0, nullptr, 0);
    zoo_create_op_init(&ops[3], nodes.c_str(), nullptr, -1, acl(), 0, nullptr, 0);
    zoo_create_op_init(&ops[4], alive.c_str(), nullptr, -1, acl(), 0, nullptr, 0);
    int rc = zoo_multi(zh(), 5, ops, results);
    if (rc == ZNODEEXISTS) return false;
    if (rc != ZOK) fail(rc, "failed to create network " + base);
    return true;
  }

  std::vector<std::string> networks() override { return children(opts_.root, false); }

  std::optional<std::string> network_config(const std::string& net, bool watch) override {
    const std::string path = net_path(net) + "/config";
    for (;;) {
      auto got = get(path, watch);
      if (got) return got->data;
      if (!watch) return std::nullopt;
      // Absent: watch for its creation instead. ZOK means it appeared meanwhile: read it.
      struct Stat st {};
      int rc = zoo_wexists(zh(), path.c_str(), &ZkStore::on_event, this, &st);
      if (rc == ZNONODE) return std::nullopt;
      if (rc != ZOK) fail(rc, "failed to watch " + path);
    }
  }

  std::vector<std::string> lease_keys(const std::string& net, bool watch) override {
    return children(net_path(net) + "/subnets", watch);
  }

  std::optional<Stored> lease(const std::string& net, const std::string& key, bool watch) override {
    return get(net_path(net) + "/subnets/" + key, watch);
  }

  std::optional<Stored> node_lease(const std::string& net, const std::string& node) override {
    return get(net_path(net) + "/nodes/" + node, false);
  }

  Claim claim(const std::string& net, const std::string& key, const std::string& lease_data,
              const std::string& node) override {
    const std::string sub = net_path(net) + "/subnets/" + key, idx = net_path(net) + "/nodes/" + node;
    zoo_op_t ops[2];
    zoo_op_result_t results[2];
    zoo_create_op_init(&ops[0], sub.c_str(), lease_data.data(), static_cast<int>(lease_data.size()), acl(), 0,
                       nullptr, 0);
    zoo_create_op_init(&ops[1], idx.c_str(), key.data(), static_cast<int>(key.size()), acl(), 0, nullptr, 0);
    int rc = zoo_multi(zh(), 2, ops, results);
    if (rc == ZOK) return Claim::created;
    if (rc == ZNODEEXISTS) return results[0].err == ZNODEEXISTS ? Claim::subnet_taken : Claim::node_taken;
    fail(rc, "failed to claim " + sub);
  }

  bool update_lease(const std::string& net, const std::string& key, const std::string& data, int32_t version) override {
    const std::string path = net_path(net) + "/subnets/" + key;
    int rc = zoo_set(zh(), path.c_str(), data.data(), static_cast<int>(data.size()), version);
    if (rc == ZBADVERSION || rc == ZNONODE) return false;
    if (rc != ZOK) fail(rc, "failed to update " + path);
    return true;
  }

  bool release(const std::string& net, const std::string& key, const std::string& node) override {
    const std::string sub = net_path(net) + "/subnets/" + key, idx = net_path(net) + "/nodes/" + node;
    zoo_op_t ops[2];
    zoo_op_result_t results[2];
    zoo_delete_op_init(&ops[0], sub.c_str(), -1);
    zoo_delete_op_init(&ops[1], idx.c_str(), -1);
    int rc = zoo_multi(zh(), 2, ops, results);
    if (rc == ZOK) return true;
    if (rc != ZNONODE) fail(rc, "failed to release " + sub);
    // One half is missing (edited by hand): remove whichever exists.
    bool any = false;
    for (const auto& p : {sub, idx}) {
      int r = zoo_delete(zh(), p.c_str(), -1);
      if (r == ZOK) any = true;
      else if (r != ZNONODE) fail(r, "failed to delete " + p);
    }
    return any;
  }

  void drop_node(const std::string& net, const std::string& node, int32_t version) override {
    const std::string path = net_path(net) + "/nodes/" + node;
    int rc = zoo_delete(zh(), path.c_str(), version);
    if (rc != ZOK && rc != ZNONODE && rc != ZBADVERSION) fail(rc, "failed to delete " + path);
  }

  void announce(const std::string& net, const std::string& node, const std::string& data) override {
    const std::string path = net_path(net) + "/alive/" + node;
    for (int attempt = 0; attempt < 5; ++attempt) {
      int rc = zoo_create(zh(), path.c_str(), data.data(), static_cast<int>(data.size()), acl(), ZOO_EPHEMERAL,
                          nullptr, 0);
      if (rc == ZOK) return;
      if (rc != ZNODEEXISTS) fail(rc, "failed to create " + path);
      struct Stat st {};
      rc = zoo_exists(zh(), path.c_str(), 0, &st);
      if (rc == ZNONODE) continue;
      if (rc != ZOK) fail(rc, "failed to read " + path);
      if (st.ephemeralOwner == zoo_client_id(zh())->client_id) return;  // ours already
      // Left by an earlier session of this node (a daemon killed before its session
      // expired): replace it, or peers and operators would see a node that is gone.
      rc = zoo_delete(zh(), path.c_str(), st.version);
      if (rc != ZOK && rc != ZNONODE && rc != ZBADVERSION) fail(rc, "failed to replace " + path);
    }
    throw StoreError(StoreError::other, "failed to create " + path + ": it keeps coming back (another daemon with node ID \"" +
                                            node + "\"?)");
  }

  void secure_network(const std::string& net) override {
    if (opts_.auth.empty()) throw StoreError(StoreError::other, "securing a network needs credentials (--auth-file)");
    set_acl(opts_.root);
    // Depth first, parents before children: a child is reachable as long as it can be read.
    std::vector<std::string> todo{net_path(net)};
    while (!todo.empty()) {
      auto path = todo.back();
      todo.pop_back();
      set_acl(path);
      for (const auto& c : children(path, false)) todo.push_back(path + "/" + c);
    }
  }

  bool is_alive(const std::string& net, const std::string& node) override {
    struct Stat st {};
    const std::string path = net_path(net) + "/alive/" + node;
    int rc = zoo_exists(zh(), path.c_str(), 0, &st);
    if (rc == ZNONODE) return false;
    if (rc != ZOK) fail(rc, "failed to read " + path);
    return true;
  }

 private:
  zhandle_t* zh() {
    zhandle_t* h = zh_.load();
    if (!h) throw StoreError(StoreError::connection, "no ZooKeeper session");
    return h;
  }

  ACL_vector* acl() { return opts_.auth.empty() ? &ZOO_OPEN_ACL_UNSAFE : &kAuthAcl; }

  // An open overlay root (created before authentication was turned on, or by someone
  // else) would let anyone create networks beside ours: close it when we can.
  void secure_root() {
    if (opts_.auth.empty()) return;
    ACL_vector current{};
    struct Stat st {};
    int rc = zoo_get_acl(zh(), opts_.root.c_str(), &current, &st);
    if (rc != ZOK) fail(rc, "failed to read the ACL of " + opts_.root);
    bool open = false;
    for (int i = 0; i < current.count; ++i)
      if (std::string(current.data[i].id.scheme) == "world" && (current.data[i].perms & ~ZOO_PERM_READ)) open = true;
    deallocate_ACL_vector(&current);
    if (open) set_acl(opts_.root);
  }

  void set_acl(const std::string& path) {
    int rc = zoo_set_acl(zh(), path.c_str(), -1, acl());
    if (rc != ZOK && rc != ZNONODE) fail(rc, "failed to set the ACL of " + path);
  }

  std::string net_path(const std::string& net) const { return opts_.root + "/" + net; }

  void start() {
    {
      std::lock_guard lock(mutex_);
      connected_ = false;
    }
    authenticated_.store(nullptr);  // a new handle may reuse the address of the closed one
    zhandle_t* h = zookeeper_init(opts_.connect.c_str(), &ZkStore::on_event, opts_.session_timeout_ms, nullptr, this, 0);
    if (!h) throw StoreError(StoreError::other, "failed to start a ZooKeeper client for \"" + opts_.connect + "\"");
    zh_.store(h);
  }

  // Called on a handle's first connection, before anyone is told it is connected, so the
  // credentials are queued ahead of every request of the session; the library sends them
  // again itself when it reconnects the same session. Not right after zookeeper_init:
  // between a refused connection and the next attempt the library refuses zoo_add_auth
  // with ZINVALIDSTATE (ZOOKEEPER-800), which would make a server that is down for a
  // moment look like bad credentials.
  bool add_auth(zhandle_t* h) {
    if (opts_.auth.empty() || authenticated_.exchange(h) == h) return true;
    for (const auto& c : opts_.auth) {
      const std::string cert = c.cert();
      if (zoo_add_auth(h, c.scheme.c_str(), cert.data(), static_cast<int>(cert.size()), &ZkStore::on_auth, this) !=
          ZOK)
        return false;
    }
    return true;
  }

  void close() {
    zhandle_t* h = zh_.exchange(nullptr);
    if (!h) return;
    closing_.store(h);
    zookeeper_close(h);
    closing_.store(nullptr);
  }

  std::optional<Stored> get(const std::string& path, bool watch) {
    std::string buf(kMaxDataBytes, '\0');
    int len = kMaxDataBytes;
    struct Stat st {};
    int rc = watch ? zoo_wget(zh(), path.c_str(), &ZkStore::on_event, this, buf.data(), &len, &st)
                   : zoo_get(zh(), path.c_str(), 0, buf.data(), &len, &st);
    if (rc == ZNONODE) return std::nullopt;
    if (rc != ZOK) fail(rc, "failed to read " + path);
    buf.resize(len < 0 ? 0 : static_cast<size_t>(len));
    return Stored{std::move(buf), st.version, st.czxid};
  }

  std::vector<std::string> children(const std::string& path, bool watch) {
    String_vector names{};
    int rc = watch ? zoo_wget_children(zh(), path.c_str(), &ZkStore::on_event, this, &names)
                   : zoo_get_children(zh(), path.c_str(), 0, &names);
    if (rc == ZNONODE) return {};
    if (rc != ZOK) fail(rc, "failed to list " + path);
    std::vector<std::string> out(names.data, names.data + names.count);
    deallocate_String_vector(&names);
    return out;
  }

  void ensure_path(const std::string& path) {
    for (size_t at = path.find('/', 1);; at = path.find('/', at + 1)) {
      const std::string prefix = path.substr(0, at);
      int rc = zoo_create(zh(), prefix.c_str(), nullptr, -1, acl(), 0, nullptr, 0);
      if (rc == ZNONODE)  // only possible under a chroot that does not exist
        fail(rc, "failed to create " + prefix + " under the connect string's chroot (ZooKeeper does not create a "
                 "chroot: create its znode first)");
      if (rc != ZOK && rc != ZNODEEXISTS) fail(rc, "failed to create " + prefix);
      if (at == std::string::npos) break;
    }
  }

  static void on_auth(int rc, const void* ctx) {
    if (rc == ZOK) return;
    auto* self = static_cast<ZkStore*>(const_cast<void*>(ctx));
    self->notify_({StoreEvent::auth_failed, {}, {}});
  }

  // The client's thread: translate and hand over, nothing else.
  static void on_event(zhandle_t* zh, int type, int state, const char* path, void* ctx) {
    auto* self = static_cast<ZkStore*>(ctx);
    // A handle being closed reports its own end; one being started may report before
    // zookeeper_init has returned it, so only the closing one is filtered.
    if (zh == self->closing_.load()) return;
    if (type == ZOO_SESSION_EVENT) {
      if (state == ZOO_CONNECTED_STATE) {
        if (!self->add_auth(zh)) {
          self->notify_({StoreEvent::auth_failed, {}, {}});
          return;
        }
        {
          std::lock_guard lock(self->mutex_);
          self->connected_ = true;
        }
        self->cv_.notify_all();
        self->notify_({StoreEvent::connected, {}, {}});
      } else {
        {
          std::lock_guard lock(self->mutex_);
          self->connected_ = false;
        }
        if (state == ZOO_EXPIRED_SESSION_STATE) self->notify_({StoreEvent::expired, {}, {}});
        else if (state == ZOO_AUTH_FAILED_STATE) self->notify_({StoreEvent::auth_failed, {}, {}});
        else self->notify_({StoreEvent::disconnected, {}, {}});
      }
      return;
    }
    if (!path) return;
    std::string p = path;
    const std::string prefix = self->opts_.root + "/";
    if (p.rfind(prefix, 0) != 0) return;
    p = p.substr(prefix.size());  // <net>/config, <net>/subnets, <net>/subnets/<key>
    auto slash = p.find('/');
    if (slash == std::string::npos) return;
    std::string net = p.substr(0, slash), rest = p.substr(slash + 1);
    if (rest == "config") self->notify_({StoreEvent::config_changed, net, {}});
    else if (rest == "subnets") self->notify_({StoreEvent::leases_changed, net, {}});
    else if (rest.rfind("subnets/", 0) == 0) self->notify_({StoreEvent::lease_changed, net, rest.substr(8)});
  }

  ZkOptions opts_;
  StoreNotify notify_;
  std::atomic<zhandle_t*> zh_{nullptr};
  std::atomic<zhandle_t*> closing_{nullptr};
  std::atomic<zhandle_t*> authenticated_{nullptr};  // the handle whose credentials are queued
  std::mutex mutex_;
  std::condition_variable cv_;
  bool connected_ = false;
};

}  // namespace

void validate_root(const std::string& root) {
  bool ok = root.size() >= 2 && root[0] == '/' && root.back() != '/';
  for (size_t at = 1; ok && at < root.size();) {
    auto next = root.find('/', at);
    auto part = root.substr(at, next == std::string::npos ? std::string::npos : next - at);
    ok = !part.empty() && part != "." && part != ".." && part.find('\0') == std::string::npos;
    if (next == std::string::npos) break;
    at = next + 1;
  }
  if (!ok) throw cni::Error(cni::kInvalidNetworkConfig, "invalid ZooKeeper root \"" + root + "\" (expected /a[/b...])");
}

std::unique_ptr<Store> open_zookeeper(const ZkOptions& options, StoreNotify notify) {
  validate_root(options.root);
  return std::make_unique<ZkStore>(options, std::move(notify));
}

}  // namespace overlay
