#include "host_state.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "cni/spec/config.hpp"
#include "cni/base/error.hpp"

namespace hostdevice {

using nlohmann::json;

std::string HostState::to_json() const {
  json j{{"device", device}, {"up", up}, {"addresses", json::array()}, {"routes", json::array()}};
  for (const auto& a : addresses) j["addresses"].push_back(a.str());
  for (const auto& r : routes) {
    json e{{"dst", r.dst.str()}, {"scope", r.scope}};
    if (r.gw) e["gw"] = r.gw->str();
    if (r.src) e["src"] = r.src->str();
    if (r.priority) e["priority"] = *r.priority;
    j["routes"].push_back(e);
  }
  return j.dump() + "\n";
}

HostState HostState::from_json(const std::string& text) {
  HostState s;
  try {
    auto j = cni::parse_json(text, "host-device state");
    s.device = j.at("device").get<std::string>();
    s.up = j.at("up").get<bool>();
    for (const auto& a : j.at("addresses")) s.addresses.push_back(cni::Cidr::parse(a.get<std::string>()).value());
    for (const auto& e : j.at("routes")) {
      cni::RouteEntry r;
      r.dst = cni::Cidr::parse(e.at("dst").get<std::string>()).value();
      r.scope = e.at("scope").get<int>();
      if (e.contains("gw")) r.gw = cni::IpAddr::parse(e["gw"].get<std::string>()).value();
      if (e.contains("src")) r.src = cni::IpAddr::parse(e["src"].get<std::string>()).value();
      if (e.contains("priority")) r.priority = e["priority"].get<uint32_t>();
      s.routes.push_back(r);
    }
  } catch (const cni::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw cni::Error(cni::kDecodingFailure, std::string("damaged host-device state: ") + e.what());
  }
  if (s.device.empty()) throw cni::Error(cni::kDecodingFailure, "damaged host-device state: no device name");
  return s;
}

HostState capture(cni::Netlink& host, const cni::Link& dev) {
  HostState s;
  s.device = dev.name;
  s.up = dev.up;
  for (const auto& a : host.addresses(dev.index)) {
    if (a.scope != RT_SCOPE_UNIVERSE) continue;
    // SLAAC and DHCPv6 addresses come back by themselves; only configured ones are kept.
    if (a.cidr.ip.is_v6() && !(a.flags & IFA_F_PERMANENT)) continue;
    s.addresses.push_back(a.cidr);
  }
  for (int family : {AF_INET, AF_INET6})
    for (const auto& r : host.routes(family))
      if (r.oif == dev.index && r.protocol != RTPROT_KERNEL && r.protocol != RTPROT_RA) s.routes.push_back(r);
  return s;
}

std::string restore(cni::Netlink& host, int index, const HostState& s) {
  std::string failed;
  auto attempt = [&](const std::string& what, auto&& f) {
    try {
      f();
    } catch (const cni::Error& e) {
      failed += (failed.empty() ? "" : "; ") + what + ": " + e.msg();
    }
  };
  for (const auto& a : s.addresses)
    attempt("address " + a.str(), [&] { host.add_address(index, a, a.ip.is_v6(), /*exist_ok=*/true); });
  if (s.up) attempt("link up", [&] { host.set_up(index); });
  // Link-scope routes first: the routes through a gateway need them.
  auto routes = s.routes;
  std::stable_sort(routes.begin(), routes.end(), [](const auto& a, const auto& b) { return a.scope > b.scope; });
  for (auto r : routes) {
    r.oif = index;
    attempt("route " + r.dst.str(), [&] { host.add_route(r, /*exist_ok=*/true); });
  }
  return failed;
}

std::string state_path(const std::string& data_dir, const std::string& network, const std::string& container_id,
                       const std::string& ifname) {
  return data_dir + "/" + network + "/" + container_id + "_" + ifname;
}

}  // namespace hostdevice
