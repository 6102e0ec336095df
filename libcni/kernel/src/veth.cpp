#include "cni/kernel/veth.hpp"

#include "cni/base/error.hpp"
#include "cni/kernel/netns.hpp"

namespace cni {

VethPair create_veth_pair(Netlink& container, Netlink& host_nl, const Netns& host_ns, const std::string& ifname,
                          int mtu, const std::optional<Mac>& mac) {
  for (int attempt = 0;; ++attempt) {
    std::string host_name = random_veth_name();
    try {
      // Created from the container's socket: `ifname` (with its MAC) there, the peer born in
      // the host namespace under its final name.
      container.create_veth(ifname, host_name, host_ns.fd(), mtu, mac);
    } catch (const Error& e) {
      if (attempt < 10 && e.msg().find("File exists") != std::string::npos && !container.link(ifname)) continue;
      throw;
    }
    auto h = host_nl.link(host_name);
    auto c = container.link(ifname);
    if (!h || !c) throw Error(kInternal, "veth \"" + host_name + "\" vanished after creation");
    return {*h, *c};
  }
}

}  // namespace cni
