// cnipp-overlayctl: creates and shows overlay networks and releases leases (the explicit
// garbage collection: a lease outlives its agent until an operator releases it).
#include <algorithm>
#include <map>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"
#include "event_queue.hpp"
#include "lease.hpp"
#include "network.hpp"
#include "zk_store.hpp"

namespace {

using nlohmann::ordered_json;

struct Ctl {
  overlay::ZkOptions zk;
  int timeout_ms = 10000;
  overlay::EventQueue events;  // the store wants a sink; the ctl has no loop to feed
  std::unique_ptr<overlay::Store> store;

  overlay::Store& connect() {
    store = overlay::open_zookeeper(zk, [this](const overlay::StoreEvent& e) { events.push(e); });
    if (!store->wait_connected(timeout_ms))
      throw cni::Error(cni::kIoFailure, "cannot reach ZooKeeper at " + zk.connect + " within " +
                                            std::to_string(timeout_ms) + " ms");
    return *store;
  }
};

overlay::NetworkConfig require_network(overlay::Store& s, const std::string& name) {
  auto text = s.network_config(name, false);
  if (!text) throw cni::Error(cni::kInvalidNetworkConfig, "network \"" + name + "\" does not exist");
  return overlay::NetworkConfig::decode(*text);
}

// Every lease, believable or not: an operator needs to see the forged ones too. A lease is
// shown as the agents see it (lease.hpp select_peers): refused ones carry "error" instead.
ordered_json show_network(overlay::Store& s, const std::string& name) {
  auto net = require_network(s, name);
  ordered_json out;
  out["name"] = name;
  out["subnet"] = net.subnet.str();
  out["subnetLen"] = net.subnet_len;
  out["vni"] = net.vni;
  out["port"] = net.port;
  out["leases"] = ordered_json::array();
  std::vector<overlay::StoredLease> stored;
  for (const auto& k : s.lease_keys(name, false))
    if (auto l = s.lease(name, k, false)) stored.push_back({k, l->data, l->created});
  // An onlooker: no node, subnet or address of its own to defend.
  auto set = overlay::select_peers(stored, net, {"", std::nullopt, cni::IpAddr::v4(0)});
  std::map<std::string, ordered_json> rows;
  for (const auto& l : set.peers)
    rows[l.key] = {{"node", l.node}, {"subnet", l.subnet.str()}, {"underlayIP", l.underlay_ip.str()},
                   {"vtepMAC", cni::mac_str(l.vtep_mac)}, {"alive", s.is_alive(name, l.node)}};
  for (const auto& r : set.rejected) rows[r.key] = {{"znode", r.key}, {"error", r.reason}};
  for (auto& [k, row] : rows) out["leases"].push_back(std::move(row));
  return out;
}

void release(overlay::Store& s, const std::string& name, const std::string& node, bool force) {
  require_network(s, name);
  overlay::validate_node_id(node);
  if (s.is_alive(name, node) && !force)
    throw cni::Error(cni::kInvalidNetworkConfig, "node \"" + node + "\" is alive: its daemon would take the lease back",
                     "stop cnipp-overlayd on that agent first, or pass --force");
  // The node's index names its lease; a lease whose index is gone is found by its data.
  std::string key;
  if (auto idx = s.node_lease(name, node)) key = idx->data;
  if (key.empty() || !overlay::parse_lease_key(key)) {
    key.clear();
    for (const auto& k : s.lease_keys(name, false)) {
      auto stored = s.lease(name, k, false);
      if (!stored) continue;
      try {
        if (nlohmann::json::parse(stored->data).value("node", "") == node) key = k;
      } catch (const std::exception&) {
      }
    }
  }
  if (!s.release(name, key.empty() ? "-" : key, node))
    throw cni::Error(cni::kInvalidNetworkConfig, "node \"" + node + "\" holds no lease in network \"" + name + "\"");
  std::fprintf(stderr, "released %s of node %s\n", key.c_str(), node.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  Ctl ctl;
  CLI::App app{"cnipp-overlayctl: manage cnipp VXLAN overlay networks in ZooKeeper"};
  app.require_subcommand(1);
  app.add_option("--zookeeper", ctl.zk.connect, "ZooKeeper servers: host:port[,host:port...][/chroot]")->required();
  app.add_option("--root", ctl.zk.root, "the overlay's znode")->capture_default_str();
  app.add_option("--timeout-ms", ctl.timeout_ms, "how long to wait for ZooKeeper")->capture_default_str();
  std::string auth_file, also_auth_file;
  app.add_option("--auth-file", auth_file,
                 "ZooKeeper credentials, one line \"digest USER:PASSWORD\" (owned by root, mode 0600): znodes created "
                 "are then writable by that identity only");

  auto* network = app.add_subcommand("network", "create, show and list networks");
  network->require_subcommand(1);
  std::string name, subnet, node;
  int subnet_len = 0;
  overlay::NetworkConfig cfg;
  auto* create = network->add_subcommand("create", "create a network (its pool, VNI and port cannot change later)");
  create->add_option("NAME", name)->required();
  create->add_option("--subnet", subnet, "the whole overlay range, e.g. 10.244.0.0/16")->required();
  create->add_option("--subnet-len", subnet_len, "the prefix length of each agent's subnet, e.g. 24")->required();
  create->add_option("--vni", cfg.vni, "VXLAN network identifier")->capture_default_str();
  create->add_option("--port", cfg.port, "VXLAN UDP port")->capture_default_str();
  auto* show = network->add_subcommand("show", "print a network and its leases as JSON");
  show->add_option("NAME", name)->required();
  auto* list = network->add_subcommand("list", "print the networks' names as a JSON list");

  auto* lease = app.add_subcommand("lease", "manage leases");
  lease->require_subcommand(1);
  bool force = false;
  auto* rel = lease->add_subcommand("release", "release a node's lease: every peer removes its routes");
  rel->add_option("NAME", name)->required();
  rel->add_option("NODE", node)->required();
  rel->add_flag("--force", force, "release even while the node's daemon is alive");
  auto* acl = app.add_subcommand("acl", "access control of a network's znodes");
  acl->require_subcommand(1);
  auto* apply = acl->add_subcommand(
      "apply", "let only the --auth-file identity (and --also-auth-file's) write the root and every znode of the "
               "network, anyone read: turns authentication on for an existing network, or rotates its password");
  apply->add_option("NAME", name)->required();
  apply->add_option("--also-auth-file", also_auth_file, "a second identity that may write too (the new password)");
  CLI11_PARSE(app, argc, argv);

  try {
    if (!auth_file.empty()) ctl.zk.auth.push_back(overlay::load_auth_file(auth_file));
    if (!also_auth_file.empty()) ctl.zk.auth.push_back(overlay::load_auth_file(also_auth_file));
    overlay::validate_root(ctl.zk.root);
    if (!name.empty()) cni::validate_network_name(name);
    if (create->parsed()) {
      auto c = cni::Cidr::parse(subnet);
      if (!c) throw cni::Error(cni::kInvalidNetworkConfig, "--subnet \"" + subnet + "\" is not a CIDR");
      cfg.subnet = *c;
      cfg.subnet_len = subnet_len;
      cfg.validate();
      if (!ctl.connect().create_network(name, cfg.encode()))
        throw cni::Error(cni::kInvalidNetworkConfig, "network \"" + name + "\" exists already");
      std::fprintf(stderr, "created network %s: %s in /%d subnets, VNI %u, port %d\n", name.c_str(),
                   cfg.subnet.str().c_str(), cfg.subnet_len, cfg.vni, cfg.port);
    } else if (show->parsed()) {
      std::printf("%s\n", show_network(ctl.connect(), name).dump(2).c_str());
    } else if (list->parsed()) {
      auto names = ctl.connect().networks();
      std::sort(names.begin(), names.end());
      std::printf("%s\n", ordered_json(names).dump().c_str());
    } else if (rel->parsed()) {
      release(ctl.connect(), name, node, force);
    } else if (apply->parsed()) {
      if (auth_file.empty()) throw cni::Error(cni::kInvalidNetworkConfig, "acl apply needs --auth-file");
      auto& s = ctl.connect();
      require_network(s, name);
      s.secure_network(name);
      std::fprintf(stderr, "%s and every znode of network %s: writable by %s only, readable by anyone\n",
                   ctl.zk.root.c_str(), name.c_str(),
                   (ctl.zk.auth[0].user + (ctl.zk.auth.size() > 1 ? " and " + ctl.zk.auth[1].user : "")).c_str());
    }
    return 0;
  } catch (const cni::Error& e) {
    std::fprintf(stderr, "cnipp-overlayctl: %s%s\n", e.msg().c_str(), e.details().empty() ? "" : (" (" + e.details() + ")").c_str());
  } catch (const overlay::StoreError& e) {
    std::fprintf(stderr, "cnipp-overlayctl: %s%s\n", e.what(),
                 e.kind() == overlay::StoreError::no_auth ? " (the network's znodes are protected: pass the --auth-file "
                                                            "of an identity allowed to write them)"
                                                          : "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cnipp-overlayctl: %s\n", e.what());
  }
  return 1;
}
