#include "reconciler.hpp"

#include <sys/socket.h>

#include <map>

namespace overlay {

namespace {
cni::RouteEntry route_for(const Lease& l, int vtep) {
  cni::RouteEntry r;
  r.dst = l.subnet;
  r.gw = l.subnet.ip;
  r.oif = vtep;
  r.onlink = true;
  return r;
}
}  // namespace

ReconcileStats reconcile_peers(cni::Netlink& nl, int vtep, const std::vector<Lease>& peers) {
  ReconcileStats st;
  std::map<cni::IpAddr, const Lease*> by_gw;  // subnet network address -> lease
  std::map<cni::Mac, const Lease*> by_mac;
  std::map<std::string, const Lease*> by_dst;
  for (const auto& p : peers) {
    by_gw[p.subnet.ip] = &p;
    by_mac[p.vtep_mac] = &p;
    by_dst[p.subnet.str()] = &p;
  }

  // Removals first, routes before neighbours before FDB rows.
  std::map<std::string, cni::RouteEntry> routes;
  for (const auto& r : nl.routes(AF_INET)) {
    if (r.oif != vtep) continue;
    auto it = by_dst.find(r.dst.str());
    if (it == by_dst.end() || !r.gw || *r.gw != it->second->subnet.ip || !r.onlink) {
      if (nl.del_route(r)) ++st.removed;
    } else {
      routes[r.dst.str()] = r;
    }
  }
  std::map<cni::IpAddr, cni::Mac> neigh;
  for (const auto& n : nl.neighbours(vtep, AF_INET)) {
    if (!n.ip) continue;
    auto it = by_gw.find(*n.ip);
    if (it == by_gw.end()) {
      if (nl.del_neighbour(vtep, *n.ip)) ++st.removed;
    } else if (n.mac && n.permanent()) {
      neigh[*n.ip] = *n.mac;
    }
  }
  std::map<cni::Mac, cni::IpAddr> fdb;
  for (const auto& f : nl.fdb(vtep)) {
    if (!f.mac || ((*f.mac)[0] & 1)) continue;  // group addresses are the device's own
    auto it = by_mac.find(*f.mac);
    if (it == by_mac.end()) {
      if (nl.del_fdb(vtep, *f.mac)) ++st.removed;
    } else if (f.ip) {
      fdb[*f.mac] = *f.ip;
    }
  }

  for (const auto& p : peers) {
    if (auto it = fdb.find(p.vtep_mac); it == fdb.end() || it->second != p.underlay_ip) {
      nl.replace_fdb(vtep, p.vtep_mac, p.underlay_ip);
      ++st.added;
    }
    if (auto it = neigh.find(p.subnet.ip); it == neigh.end() || it->second != p.vtep_mac) {
      nl.replace_neighbour(vtep, p.subnet.ip, p.vtep_mac);
      ++st.added;
    }
    if (!routes.count(p.subnet.str())) {
      nl.replace_route(route_for(p, vtep));
      ++st.added;
    }
  }
  return st;
}

}  // namespace overlay
