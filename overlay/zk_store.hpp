// The ZooKeeper backend of Store, on the C client (libzookeeper-mt). Watchers and
// completions run on the client's own thread; they only hand events to StoreNotify.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth.hpp"
#include "store.hpp"

namespace overlay {

struct ZkOptions {
  std::string connect;         // host:port[,host:port...][/chroot]
  std::string root = "/cnipp";  // the overlay's subtree
  int session_timeout_ms = 10000;
  // Digest identities this client authenticates as on every session. With any, every znode
  // it creates lets only those identities write (ZooKeeper's "auth" ACL) and anyone read;
  // with none, znodes are open to anyone, as ZooKeeper's default.
  std::vector<Credentials> auth;
};

// Checks a root path: absolute, no trailing '/', no empty, "." or ".." component.
// Throws cni::Error(kInvalidNetworkConfig).
void validate_root(const std::string& root);

// Starts connecting (asynchronously; see Store::wait_connected).
std::unique_ptr<Store> open_zookeeper(const ZkOptions& options, StoreNotify notify);

}  // namespace overlay
