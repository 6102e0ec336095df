#include "allocator.hpp"

#include "cni/base/error.hpp"

namespace hostlocal {

using cni::Error;
using cni::IpAddr;

RangeIter::RangeIter(const RangeSet& set, const std::optional<IpAddr>& last_reserved) : set_(set) {
  // A last reserved IP outside the set (the ranges changed) only costs round-robin once.
  if (last_reserved) {
    for (size_t i = 0; i < set_.ranges.size(); ++i) {
      if (set_.ranges[i].contains(*last_reserved)) {
        range_idx_ = i;
        cur_ = last_reserved;  // next() advances first, so it yields last_reserved + 1
        return;
      }
    }
  }
  start_ = set_.ranges[0].start;
}

std::optional<std::pair<IpAddr, const Range*>> RangeIter::next() {
  // A loop in place of the reference's recursion on the gateway; the sequence is the same.
  for (;;) {
    const Range* r = &set_.ranges[range_idx_];
    if (!cur_) {
      cur_ = r->start;
      start_ = cur_;
      if (*cur_ == r->gateway) continue;
      return std::make_pair(*cur_, r);
    }
    if (*cur_ == r->end) {
      range_idx_ = (range_idx_ + 1) % set_.ranges.size();
      r = &set_.ranges[range_idx_];
      cur_ = r->start;
    } else {
      cur_ = cur_->next();
    }
    if (!start_) {
      start_ = cur_;
    } else if (*cur_ == *start_) {
      return std::nullopt;
    }
    if (*cur_ == r->gateway) continue;
    return std::make_pair(*cur_, r);
  }
}

Allocation allocate(Store& store, const RangeSet& set, int set_index, const std::string& id, const std::string& ifname,
                    const std::optional<IpAddr>& requested, const std::optional<IpAddr>& last_reserved) {
  if (requested) {
    const Range* r = set.range_for(*requested);
    if (!r) throw Error(cni::kInvalidNetworkConfig, "requested IP " + requested->str() + " is not in range set " + set.str());
    if (*requested == r->gateway)
      throw Error(cni::kInvalidNetworkConfig, "requested ip " + requested->str() + " is subnet's gateway");
    if (!store.reserve(*requested, id, ifname, set_index))
      throw Error(cni::kInternal, "requested IP address " + requested->str() + " is not available in range set " + set.str());
    return {{*requested, r->subnet.prefix}, r->gateway};
  }
  RangeIter it(set, last_reserved);
  while (auto cand = it.next()) {
    if (store.reserve(cand->first, id, ifname, set_index))
      return {{cand->first, cand->second->subnet.prefix}, cand->second->gateway};
  }
  throw Error(cni::kInternal, "no IP addresses available in range set: " + set.str());
}

}  // namespace hostlocal
