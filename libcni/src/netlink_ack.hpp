// Private to libcni: what the rtnetlink (netlink.cpp) and nftables (nft.cpp) transports
// share: opening a libmnl socket that asks for extended ACKs, reading their text, buffers.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

struct nlmsghdr;
struct mnl_socket;

namespace cni::detail {
// Opens and binds a `protocol` netlink socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK
// requested (best effort: older kernels lack them). Throws Error(kIoFailure) naming `what`.
mnl_socket* open_netlink_socket(int protocol, const std::string& what);
std::string netlink_ext_ack(const nlmsghdr* nlh);  // nlh: an NLMSG_ERROR message

// A netfilter (nftables, ctnetlink) dump on `sock`: sends `req`, collects the reply, and
// hands every message to on_msg once the dump completed without the kernel marking it
// interrupted (NLM_F_DUMP_INTR: re-sent, up to 5 times). ENOENT (no such table or chain)
// and EOPNOTSUPP (no such subsystem loaded) are an empty dump. Throws Error naming `what`.
void netfilter_dump(mnl_socket* sock, nlmsghdr* req, const std::function<void(const nlmsghdr*)>& on_msg,
                    const std::string& what);

// A netlink message buffer, deliberately uninitialised: zeroing it would touch, and so fault
// in, every page, and page faults are a large part of a short-lived plugin's cost (in VMs
// most of all). libmnl initialises what it puts (headers, attributes, padding); the kernel
// fills what it replies.
class NetlinkBuffer {
 public:
  explicit NetlinkBuffer(size_t size) : data_(std::make_unique_for_overwrite<char[]>(size)), size_(size) {}
  char* data() { return data_.get(); }
  size_t size() const { return size_; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_;
};
}
