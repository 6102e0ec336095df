// Private to libcni: what the rtnetlink (netlink.cpp) and nftables (nft.cpp) transports
// share: opening a libmnl socket that asks for extended ACKs, reading their text, buffers.
#pragma once

#include <chrono>
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

// How long an interrupted dump is restarted before giving up. The kernel marks a dump
// interrupted (NLM_F_DUMP_INTR) when the table changed while it was being read: normal when
// a burst of ADDs writes the same ruleset or creates links at once, and more frequent the
// more load there is, so the bound is time (seconds), never a count of tries.
inline constexpr std::chrono::seconds kDumpRetryDeadline{30};

// Paces the restarts of one interrupted dump: the first restart is immediate, later ones
// sleep a short, randomised and growing pause (up to 20 ms) so the writers can finish.
// again() is false once the deadline passed.
class DumpRetry {
 public:
  DumpRetry() : deadline_(std::chrono::steady_clock::now() + kDumpRetryDeadline) {}
  bool again();

 private:
  std::chrono::steady_clock::time_point deadline_;
  int restarts_ = 0;
};

// Throws the error of a dump still interrupted at the deadline (code 11, try again later).
[[noreturn]] void throw_dump_interrupted(const std::string& what);

// A netfilter (nftables, ctnetlink) dump on `sock`: sends `req`, collects the reply, and
// hands every message to on_msg once the dump completed without the kernel marking it
// interrupted (NLM_F_DUMP_INTR: restarted, paced by DumpRetry). ENOENT (no such table or
// chain) and EOPNOTSUPP (no such subsystem loaded) are an empty dump. Throws Error naming
// `what`.
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
