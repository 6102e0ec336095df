// IP and CIDR text: every config's subnet, range and route passes through these, and lease
// file names are their printed form, so parse(str(x)) must give x back.
#include "cni/base/ip.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  if (auto ip = cni::IpAddr::parse(text)) {
    auto back = cni::IpAddr::parse(ip->str());
    FUZZ_REQUIRE(back && *back == *ip);
    FUZZ_REQUIRE(ip->next().prev() == *ip);
  }
  if (auto c = cni::Cidr::parse(text)) {
    FUZZ_REQUIRE(c->prefix >= 0 && c->prefix <= c->ip.bits());
    auto back = cni::Cidr::parse(c->str());
    FUZZ_REQUIRE(back && *back == *c);
    FUZZ_REQUIRE(c->contains(c->ip));
    FUZZ_REQUIRE(c->network().contains(c->broadcast()));
    FUZZ_REQUIRE(c->overlaps(c->network()));
  }
  return 0;
}
