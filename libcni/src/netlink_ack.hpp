// Private to libcni: the extended-ACK text of a netlink error message, shared by the
// rtnetlink (netlink.cpp) and nftables (nft.cpp) transports.
#pragma once

#include <string>

struct nlmsghdr;

namespace cni::detail {
std::string netlink_ext_ack(const nlmsghdr* error_msg);
}
