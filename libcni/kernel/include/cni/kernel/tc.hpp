// Traffic control for the bandwidth plugin, over libnl-route-3 (rtnl qdisc, cls and act
// objects). Built as its own static library, cni_tc, which only the bandwidth binary links:
// no other plugin loads libnl or pays for its start-up.
//
// Shaping, the reference's design: traffic into the container is shaped by a root TBF on
// the host end of its veth; traffic out of it is redirected, on the same host veth's
// ingress, to an ifb device whose root TBF shapes it.
#pragma once

#include <cstdint>
#include <optional>

namespace cni::tc {

// A TBF qdisc's numbers, in the kernel's units.
struct Tbf {
  uint64_t rate = 0;    // bytes per second
  uint32_t limit = 0;   // bytes queued at most
  uint32_t buffer = 0;  // the bucket, as the time to send it at `rate`, in psched ticks
  bool operator==(const Tbf&) const = default;
};

// The reference's numbers for a rate and a burst given in bits: rate/8 bytes per second,
// buffer = ticks(burst/8 * 1e6 / (rate/8) microseconds), limit = 25 ms at the rate plus the
// burst in bytes. The tick length comes from /proc/net/psched.
Tbf tbf_for(uint64_t rate_bits, uint64_t burst_bits);

// Adds a root TBF (handle 1:) to link `ifindex` of the caller's namespace.
void add_root_tbf(int ifindex, const Tbf& tbf);
// Adds an ingress qdisc (ffff:) to `ifindex` and a match-all u32 filter (prio 1, protocol
// all, flowid 1:1) whose mirred action redirects every packet to `target_ifindex`'s egress.
void add_ingress_redirect(int ifindex, int target_ifindex);
// Removes the root and/or the ingress qdisc of `ifindex` (and with them their filters);
// absent ones are fine. Undoes a failed ADD on a host veth that lives on.
void clear(int ifindex, bool root, bool ingress);

// A TBF as read back: libnl reports the bucket in bytes (derived from the kernel's buffer
// in ticks), so that is what a check compares.
struct TbfState {
  uint64_t rate = 0;
  uint32_t limit = 0;
  uint32_t bucket = 0;
  bool operator==(const TbfState&) const = default;
};
// What root_tbf() reports for a qdisc made from `tbf`.
TbfState state_of(const Tbf& tbf);
// The root TBF of `ifindex`; nullopt when its root qdisc is not a TBF (or it has none).
std::optional<TbfState> root_tbf(int ifindex);

}  // namespace cni::tc
