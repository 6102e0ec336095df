#include <catch2/catch.hpp>

#include "cni/base/ip.hpp"

using cni::Cidr;
using cni::IpAddr;

TEST_CASE("IPv4 parse and format round-trip", "[ip]") {
  auto a = IpAddr::parse("10.1.2.3");
  REQUIRE(a);
  CHECK(a->is_v4());
  CHECK(a->str() == "10.1.2.3");
  CHECK_FALSE(IpAddr::parse("10.1.2"));
  CHECK_FALSE(IpAddr::parse("10.1.2.256"));
  CHECK_FALSE(IpAddr::parse("10.01.2.3"));  // Go rejects leading zeros
  CHECK_FALSE(IpAddr::parse(""));
  CHECK_FALSE(IpAddr::parse("10.1.2.3 "));
}

TEST_CASE("IPv6 text matches Go's net.IP String", "[ip]") {
  CHECK(IpAddr::parse("fd00:0:0:0:0:0:0:2")->str() == "fd00::2");
  CHECK(IpAddr::parse("FD00:9::2")->str() == "fd00:9::2");
  CHECK(IpAddr::parse("2001:db8:0:0:1:0:0:1")->str() == "2001:db8::1:0:0:1");  // first longest run
  CHECK(IpAddr::parse("2001:db8:0:1:1:1:1:1")->str() == "2001:db8:0:1:1:1:1:1");  // single zero not ::
  CHECK(IpAddr::parse("::")->str() == "::");
  CHECK(IpAddr::parse("::1")->str() == "::1");
  CHECK(IpAddr::parse("::2:3")->str() == "::2:3");  // Go does not print ::0.2.0.3
  // ::ffff:a.b.c.d is an IPv4 address for Go
  auto m = IpAddr::parse("::ffff:10.0.0.1");
  REQUIRE(m);
  CHECK(m->is_v4());
  CHECK(m->str() == "10.0.0.1");
}

TEST_CASE("address arithmetic wraps and carries", "[ip]") {
  CHECK(IpAddr::parse("10.0.0.255")->next().str() == "10.0.1.0");
  CHECK(IpAddr::parse("10.0.1.0")->prev().str() == "10.0.0.255");
  CHECK(IpAddr::parse("255.255.255.255")->next().str() == "0.0.0.0");
  CHECK(IpAddr::parse("fd00::ffff")->next().str() == "fd00::1:0");
  CHECK(IpAddr::parse("10.0.0.0")->plus(258).str() == "10.0.1.2");
}

TEST_CASE("CIDR parse, network, broadcast, contains, overlaps", "[ip]") {
  auto c = Cidr::parse("10.1.2.3/24");
  REQUIRE(c);
  CHECK(c->has_host_bits());
  CHECK(c->network().str() == "10.1.2.0/24");
  CHECK(c->broadcast().str() == "10.1.2.255");
  CHECK(c->contains(*IpAddr::parse("10.1.2.200")));
  CHECK_FALSE(c->contains(*IpAddr::parse("10.1.3.1")));
  CHECK_FALSE(c->contains(*IpAddr::parse("fd00::1")));
  CHECK(Cidr::parse("10.0.0.0/8")->overlaps(*Cidr::parse("10.1.0.0/16")));
  CHECK_FALSE(Cidr::parse("10.0.0.0/16")->overlaps(*Cidr::parse("10.1.0.0/16")));
  auto v6 = Cidr::parse("fd00:1::/64");
  REQUIRE(v6);
  CHECK_FALSE(v6->has_host_bits());
  CHECK(v6->broadcast().str() == "fd00:1::ffff:ffff:ffff:ffff");
  CHECK(Cidr::parse("10.1.0.0/20")->broadcast().str() == "10.1.15.255");
  CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/"));
  CHECK_FALSE(Cidr::parse("10.0.0.0/08"));
  CHECK_FALSE(Cidr::parse("10.0.0.0"));
  CHECK_FALSE(Cidr::parse("fd00::/129"));
}

TEST_CASE("global unicast classification", "[ip]") {
  CHECK(IpAddr::parse("10.1.2.3")->is_global_unicast());
  CHECK_FALSE(IpAddr::parse("127.0.0.1")->is_global_unicast());
  CHECK_FALSE(IpAddr::parse("169.254.1.1")->is_global_unicast());
  CHECK_FALSE(IpAddr::parse("fe80::1")->is_global_unicast());
  CHECK(IpAddr::parse("fd00::1")->is_global_unicast());
  CHECK_FALSE(IpAddr::parse("ff02::1")->is_global_unicast());
}
