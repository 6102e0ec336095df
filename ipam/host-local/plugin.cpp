// host-local's commands. The host-local binary runs them (main.cpp); bridge and ipvlan
// link them too and run them in-process when CNI_PATH's host-local is this build's
// (cni::register_builtin).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "allocator.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/resolv.hpp"
#include "cni/spec/skel.hpp"
#include "config.hpp"
#include "host_local.hpp"
#include "store.hpp"

namespace {

using cni::CmdArgs;
using cni::Error;
using cni::IpAddr;
using hostlocal::Config;
using hostlocal::Store;

// Torn leases (empty after a crash or power loss, or unreadable) name no container, so no
// DEL can release them and their addresses stay taken. Say so on stderr, which runtimes log,
// rather than hide it.
void report_torn(const Store& store, const std::string& context, const std::vector<IpAddr>& torn) {
  std::string list;
  for (const auto& ip : torn) list += " " + ip.str();
  std::fprintf(stderr,
               "host-local: %s; %zu lease file(s) in %s are empty or unreadable (torn by a crash?) and name "
               "no container:%s. Their addresses stay reserved: GC repairs or releases those the attachment "
               "index names; check and remove the others by hand.\n",
               context.c_str(), torn.size(), store.lease_dir().c_str(), list.c_str());
}

cni::Result cmd_add(const CmdArgs& args) {
  Config cfg = hostlocal::load_config(args.conf, args.env.args);
  cni::Result result;
  if (!cfg.resolv_conf.empty()) result.dns = cni::read_resolv_conf(cfg.resolv_conf);

  Store store(cfg.data_dir, cfg.network);
  store.lock();
  // Everything below runs under the network's lock; on failure every lease written and
  // every last_reserved_ip changed is put back, so a failed ADD leaves the store as it was.
  std::vector<IpAddr> reserved;
  std::vector<std::pair<int, std::optional<std::string>>> last_reserved_before;
  std::vector<IpAddr> requested = cfg.requested;
  auto held = store.find(args.env.container_id, args.env.ifname, /*scan_if_unindexed=*/false);
  try {
    for (size_t idx = 0; idx < cfg.range_sets.size(); ++idx) {
      const auto& set = cfg.range_sets[idx];
      std::optional<IpAddr> want;
      auto it = std::find_if(requested.begin(), requested.end(), [&](const IpAddr& ip) { return set.contains(ip); });
      if (it != requested.end()) {
        want = *it;
        requested.erase(it);
      } else {
        for (const auto& ip : held)
          if (set.contains(ip))
            throw Error(cni::kInternal, "failed to allocate for range " + std::to_string(idx) + ": " + ip.str() +
                                            " has been allocated to " + args.env.container_id +
                                            ", duplicate allocation is not allowed");
      }
      auto raw = store.last_reserved_raw(static_cast<int>(idx));
      last_reserved_before.emplace_back(static_cast<int>(idx), raw);
      try {
        auto a = hostlocal::allocate(store, set, static_cast<int>(idx), args.env.container_id, args.env.ifname, want,
                                     Store::parse_last_reserved(raw));
        reserved.push_back(a.address.ip);
        result.ips.push_back({a.address, a.gateway, std::nullopt});
      } catch (const Error& e) {
        throw e.prefixed("failed to allocate for range " + std::to_string(idx));
      }
    }
    if (!requested.empty()) {
      std::string list;
      for (const auto& ip : requested) list += " " + ip.str();
      throw Error(cni::kInvalidNetworkConfig, "failed to allocate all requested IPs:" + list);
    }
  } catch (...) {
    for (const auto& ip : reserved) store.remove_lease(ip);
    for (const auto& [idx, raw] : last_reserved_before) store.restore_last_reserved(idx, raw);
    throw;
  }
  store.write_index(args.env.container_id, args.env.ifname, reserved);
  result.routes = cfg.routes;
  return result;
}

void cmd_del(const CmdArgs& args) {
  Config cfg = hostlocal::load_config(args.conf, args.env.args);
  Store store(cfg.data_dir, cfg.network);
  // DEL must succeed when nothing was ever allocated: do not create directories for it.
  if (!store.lease_dir_exists()) return;
  store.lock();
  std::vector<IpAddr> torn;
  if (store.release(args.env.container_id, args.env.ifname, &torn) == 0 && !torn.empty())
    report_torn(store, "DEL found no lease of " + args.env.container_id + "/" + args.env.ifname, torn);
}

void cmd_check(const CmdArgs& args) {
  Config cfg = hostlocal::load_config(args.conf, args.env.args);
  Store store(cfg.data_dir, cfg.network);
  bool found = false;
  if (store.lease_dir_exists()) {
    store.lock();
    found = !store.find(args.env.container_id, args.env.ifname).empty();
    if (!found) {
      for (const auto& l : store.scan()) found = found || (l.container_id == args.env.container_id && l.ifname.empty());
    }
  }
  if (!found)
    throw Error(cni::kInternal, "host-local: Failed to find address added by container " + args.env.container_id);
}

void cmd_gc(const CmdArgs& args) {
  Config cfg = hostlocal::load_config(args.conf, args.env.args);
  auto valid = cni::valid_attachments(args.conf);
  Store store(cfg.data_dir, cfg.network);
  if (!store.lease_dir_exists()) return;
  store.lock();
  auto is_valid = [&](const std::string& id, const std::string& ifname) {
    return std::any_of(valid.begin(), valid.end(), [&](const cni::AttachmentId& a) {
      return a.container_id == id && (ifname.empty() || a.ifname == ifname);
    });
  };
  const auto index = store.index_entries();
  auto indexed_owner = [&](const IpAddr& ip) -> const hostlocal::IndexEntry* {
    for (const auto& e : index)
      if (std::find(e.ips.begin(), e.ips.end(), ip) != e.ips.end()) return &e;
    return nullptr;
  };
  std::vector<IpAddr> unowned;
  for (const auto& l : store.scan()) {
    std::string id = l.container_id;
    std::string ifname = l.ifname;
    if (l.torn()) {
      // Under the lock an empty lease is torn, not being written: every writer, the
      // reference included, holds the lock while it writes.
      const auto* owner = indexed_owner(l.ip);
      if (!owner) {
        unowned.push_back(l.ip);
        continue;
      }
      id = owner->container_id;
      ifname = owner->ifname;
      if (is_valid(id, ifname)) {
        try {
          store.rewrite_lease(l.ip, id, ifname);
          std::fprintf(stderr, "host-local: repaired the torn lease of %s for %s/%s from the attachment index\n",
                       l.ip.str().c_str(), id.c_str(), ifname.c_str());
        } catch (const Error&) {
          unowned.push_back(l.ip);  // not a file we may write (a planted symlink): an operator's case
        }
        continue;
      }
    }
    if (!is_valid(id, ifname)) {
      store.remove_lease(l.ip);
      store.drop_index(id, ifname);
    }
  }
  store.prune_index();
  if (!unowned.empty()) report_torn(store, "GC kept leases it cannot attribute", unowned);
}

// Ready when the lease directory exists or can be created, and is writable.
void cmd_status(const CmdArgs& args) {
  Config cfg = hostlocal::load_config(args.conf, args.env.args);
  std::string dir = cfg.data_dir;
  struct stat st;
  while (::stat(dir.c_str(), &st) != 0) {
    auto slash = dir.find_last_of('/');
    if (slash == std::string::npos || slash == 0) {
      dir = "/";
      break;
    }
    dir.resize(slash);
  }
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || ::access(dir.c_str(), W_OK | X_OK) != 0)
    throw Error(cni::kPluginNotAvailable, "host-local: lease store " + cfg.data_dir + " is not usable",
                dir + " is not a writable directory");
}

}  // namespace

namespace hostlocal {

cni::Callbacks callbacks() { return {cmd_add, cmd_del, cmd_check, cmd_status, cmd_gc}; }

}  // namespace hostlocal
