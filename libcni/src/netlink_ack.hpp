// Private to libcni: what the rtnetlink (netlink.cpp) and nftables (nft.cpp) transports
// share: opening a libmnl socket that asks for extended ACKs, and reading their text.
#pragma once

#include <string>

struct nlmsghdr;
struct mnl_socket;

namespace cni::detail {
// Opens and binds a `protocol` netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
// requested (best effort: older kernels lack them). Throws Error(kIoFailure) naming `what`.
mnl_socket* open_netlink_socket(int protocol, const std::string& what);
std::string netlink_ext_ack(const nlmsghdr* nlh);  // nlh: an NLMSG_ERROR message
}
