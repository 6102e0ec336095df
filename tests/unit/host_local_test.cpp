#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "../../ipam/host-local/allocator.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/resolv.hpp"
#include "../../ipam/host-local/config.hpp"
#include "harness.hpp"
#include "../../ipam/host-local/store.hpp"

using hostlocal::load_config;
using nlohmann::json;

namespace {

hostlocal::Config config_of(const std::string& ipam_json, const std::string& version = "1.0.0",
                            const std::string& cni_args = "", const std::string& extra = "") {
  auto text = R"({"cniVersion":")" + version + R"(","name":"net1",)" + extra + R"("ipam":)" + ipam_json + "}";
  return load_config(cni::NetConf::parse(text), cni_args);
}

int config_error(const std::string& ipam_json, const std::string& version = "1.0.0", const std::string& args = "",
                 const std::string& extra = "") {
  try {
    config_of(ipam_json, version, args, extra);
  } catch (const cni::Error& e) {
    return e.code();
  }
  return 0;
}

std::vector<std::string> walk(hostlocal::RangeIter it, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    auto c = it.next();
    if (!c) break;
    out.push_back(c->first.str());
  }
  return out;
}

}  // namespace

TEST_CASE("host-local: range defaults follow the reference", "[host-local]") {
  auto c = config_of(R"({"type":"host-local","subnet":"10.1.0.0/24"})");
  REQUIRE(c.range_sets.size() == 1);
  const auto& r = c.range_sets[0].ranges[0];
  CHECK(r.gateway.str() == "10.1.0.1");
  CHECK(r.start.str() == "10.1.0.1");
  CHECK(r.end.str() == "10.1.0.254");  // broadcast excluded
  auto v6 = config_of(R"({"type":"host-local","ranges":[[{"subnet":"fd00:1::/120"}]]})");
  CHECK(v6.range_sets[0].ranges[0].end.str() == "fd00:1::ff");  // IPv6 keeps the last address
  CHECK(c.data_dir == "/var/lib/cni/networks");
}

TEST_CASE("host-local: legacy range, runtimeConfig.ipRanges and ranges are ordered like the reference", "[host-local]") {
  auto c = config_of(R"({"type":"host-local","subnet":"10.1.0.0/24","ranges":[[{"subnet":"10.3.0.0/24"}]]})", "1.0.0",
                     "", R"("runtimeConfig":{"ipRanges":[[{"subnet":"10.2.0.0/24"}]]},)");
  REQUIRE(c.range_sets.size() == 3);
  CHECK(c.range_sets[0].ranges[0].subnet.str() == "10.2.0.0/24");
  CHECK(c.range_sets[1].ranges[0].subnet.str() == "10.1.0.0/24");
  CHECK(c.range_sets[2].ranges[0].subnet.str() == "10.3.0.0/24");
}

TEST_CASE("host-local: invalid ranges are code 7", "[host-local]") {
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.5/24"})") == cni::kInvalidNetworkConfig);  // host bits
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/31"})") == cni::kInvalidNetworkConfig);
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/32"})") == cni::kInvalidNetworkConfig);
  CHECK(config_error(R"({"type":"host-local","ranges":[[{"subnet":"fd00::/127"}]]})") == cni::kInvalidNetworkConfig);
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/24","rangeStart":"10.2.0.5"})") ==
        cni::kInvalidNetworkConfig);
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/24","rangeStart":"10.1.0.50","rangeEnd":"10.1.0.10"})") ==
        cni::kInvalidNetworkConfig);
  CHECK(config_error(R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"},{"subnet":"fd00::/64"}]]})") ==
        cni::kInvalidNetworkConfig);  // mixed families in one set
  CHECK(config_error(R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/16"},{"subnet":"10.1.2.0/24"}]]})") ==
        cni::kInvalidNetworkConfig);  // overlap inside a set
  CHECK(config_error(R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/16"}],[{"subnet":"10.1.2.0/24"}]]})") ==
        cni::kInvalidNetworkConfig);  // overlap across sets
  CHECK(config_error(R"({"type":"host-local"})") == cni::kInvalidNetworkConfig);  // no ranges
  CHECK(config_error(R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/24"}]]})",
                     "0.2.0") == cni::kInvalidNetworkConfig);  // two v4 sets below 0.3.0
  CHECK(config_error(R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"10.2.0.0/24"}]]})",
                     "0.3.0") == 0);
}

TEST_CASE("host-local: requested IPs from CNI_ARGS, args.cni.ips and runtimeConfig.ips", "[host-local]") {
  auto c = config_of(R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/24"}],[{"subnet":"fd00::/64"}]]})", "1.0.0",
                     "IP=10.1.0.9", R"("args":{"cni":{"ips":["fd00::9"]}},"runtimeConfig":{"ips":["10.1.0.10/24"]},)");
  REQUIRE(c.requested.size() == 3);
  CHECK(c.requested[0].str() == "10.1.0.9");
  CHECK(c.requested[1].str() == "fd00::9");
  CHECK(c.requested[2].str() == "10.1.0.10");
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/24"})", "1.0.0", "IP=10.9.9.9") ==
        cni::kInvalidNetworkConfig);  // outside every range: refused before the disk
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/24"})", "1.0.0", "IP=banana") ==
        cni::kInvalidEnvironment);
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/24"})", "1.0.0", "FOO=1") == cni::kInvalidEnvironment);
  CHECK(config_error(R"({"type":"host-local","subnet":"10.1.0.0/24"})", "1.0.0", "IgnoreUnknown=1;FOO=1") == 0);
}

TEST_CASE("host-local: iteration starts after last reserved, wraps, and skips the gateway", "[host-local]") {
  auto c = config_of(R"({"type":"host-local","subnet":"10.1.0.0/29"})");
  const auto& set = c.range_sets[0];  // usable .1-.6, gateway .1
  CHECK(walk(hostlocal::RangeIter(set, std::nullopt), 10) ==
        std::vector<std::string>{"10.1.0.2", "10.1.0.3", "10.1.0.4", "10.1.0.5", "10.1.0.6"});
  CHECK(walk(hostlocal::RangeIter(set, cni::IpAddr::parse("10.1.0.4")), 10) ==
        std::vector<std::string>{"10.1.0.5", "10.1.0.6", "10.1.0.2", "10.1.0.3", "10.1.0.4"});
  // A last reserved IP outside the set restarts at the first range.
  CHECK(walk(hostlocal::RangeIter(set, cni::IpAddr::parse("192.168.0.1")), 1) == std::vector<std::string>{"10.1.0.2"});
}

TEST_CASE("host-local: iteration crosses the ranges of a set", "[host-local]") {
  auto c = config_of(
      R"({"type":"host-local","ranges":[[{"subnet":"10.1.0.0/30"},{"subnet":"10.2.0.0/24","rangeStart":"10.2.0.10","rangeEnd":"10.2.0.11"}]]})");
  CHECK(walk(hostlocal::RangeIter(c.range_sets[0], cni::IpAddr::parse("10.1.0.2")), 10) ==
        std::vector<std::string>{"10.2.0.10", "10.2.0.11", "10.1.0.2"});
}

TEST_CASE("host-local: allocation writes the reference's files and refuses when exhausted", "[host-local]") {
  test::TempDir dir;
  auto c = config_of(R"({"type":"host-local","subnet":"10.1.0.0/30","dataDir":")" + dir.path + R"("})");
  hostlocal::Store store(c.data_dir, c.network);
  store.lock();
  auto last = [&] { return hostlocal::Store::parse_last_reserved(store.last_reserved_raw(0)); };
  auto a = hostlocal::allocate(store, c.range_sets[0], 0, " cid ", "eth0", std::nullopt, last());
  CHECK(a.address.str() == "10.1.0.2/30");
  CHECK(a.gateway.str() == "10.1.0.1");
  CHECK(test::read_file(dir / "net1/10.1.0.2") == "cid\r\neth0");
  CHECK(test::read_file(dir / "net1/last_reserved_ip.0") == "10.1.0.2");
  struct stat st;
  REQUIRE(stat((dir / "net1/10.1.0.2").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // /30 has only .2 after the gateway: the next one is exhausted.
  CHECK_THROWS_WITH(hostlocal::allocate(store, c.range_sets[0], 0, "other", "eth0", std::nullopt, last()),
                    Catch::Contains("no IP addresses available in range set: 10.1.0.1-10.1.0.2"));
  CHECK_THROWS_WITH(hostlocal::allocate(store, c.range_sets[0], 0, "other", "eth0", cni::IpAddr::parse("10.1.0.1"), last()),
                    Catch::Contains("gateway"));
}

TEST_CASE("host-local: the index is verified and falls back to a scan", "[host-local]") {
  test::TempDir dir;
  hostlocal::Store store(dir.path, "net1");
  store.lock();
  // A lease the reference wrote (no index entry) is still found.
  test::write_file(dir / "net1/10.1.0.7", "ref\r\neth0");
  CHECK(store.find("ref", "eth0").size() == 1);
  // A stale index entry (the lease was released and reused by someone else) is ignored.
  store.write_index("gone", "eth0", {*cni::IpAddr::parse("10.1.0.7")});
  CHECK(store.find("gone", "eth0").empty());
  // A legacy lease holding only the container ID is released by DEL.
  test::write_file(dir / "net1/10.1.0.8", "legacy");
  CHECK(store.release("legacy", "eth0") == 1);
  CHECK(test::list_dir(dir / "net1") == std::vector<std::string>{"10.1.0.7", "lock"});
}

TEST_CASE("host-local: names that would climb out of dataDir are refused", "[host-local]") {
  CHECK_THROWS_AS(hostlocal::Store("/tmp", ".."), cni::Error);
  CHECK_THROWS_AS(hostlocal::Store("/tmp", "a/b"), cni::Error);
  CHECK_THROWS_AS(hostlocal::Store("/tmp", ""), cni::Error);
}

TEST_CASE("resolv.conf parsing keeps nameserver, domain, search, options", "[resolv]") {
  auto d = cni::parse_resolv_conf(
      "# comment\n; other comment\nnameserver 10.0.0.1\nnameserver  fd00::1 \ndomain example.org\n"
      "search a.example b.example\noptions ndots:2 edns0\nsortlist 1.2.3.4\nnameserver\n");
  CHECK(d.nameservers == std::vector<std::string>{"10.0.0.1", "fd00::1"});
  CHECK(d.domain == "example.org");
  CHECK(d.search == std::vector<std::string>{"a.example", "b.example"});
  CHECK(d.options == std::vector<std::string>{"ndots:2", "edns0"});
  CHECK(cni::parse_resolv_conf("").empty());
}
