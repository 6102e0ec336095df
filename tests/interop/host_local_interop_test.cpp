// Leases cross between the reference host-local (Debian's containernetworking-plugins) and
// ours in a shared dataDir, in both directions: a mixed fleet during an upgrade, or a
// rollback, must never lose or double-allocate an address.
#include <set>

#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {

struct Shared {
  test::TempDir dir;
  std::string name = test::unique_name("io");
  std::string conf = R"({"cniVersion":"1.0.0","name":")" + name +
                     R"(","ipam":{"type":"host-local","dataDir":")" + dir.path +
                     R"(","ranges":[[{"subnet":"10.245.0.0/24"}],[{"subnet":"fd00:245::/64"}]]}})";

  test::RunResult call(const std::string& binary, const std::string& cmd, const std::string& id,
                       const std::string& ifname = "eth0") const {
    return test::run(binary, test::cni_env(cmd, id, "/dev/null", ifname, CNIPP_REFERENCE_DIR), conf);
  }
  std::vector<std::string> leases() const {
    std::vector<std::string> out;
    for (const auto& f : test::list_dir(dir.path + "/" + name))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out.push_back(f);
    return out;
  }
};

std::vector<std::string> addresses(const test::RunResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  std::vector<std::string> out;
  const auto j = r.json();  // keep the document alive while iterating it
  for (const auto& ip : j["ips"]) out.push_back(ip["address"]);
  return out;
}

}  // namespace

TEST_CASE("interop: a lease written by the reference is released by ours", "[interop][host-local]") {
  Shared s;
  auto ref = test::reference("host-local");
  auto ours = test::ours("host-local");
  auto ips = addresses(s.call(ref, "ADD", "ctr-ref"));
  CHECK(ips == std::vector<std::string>{"10.245.0.2/24", "fd00:245::2/64"});
  CHECK(s.call(ours, "CHECK", "ctr-ref").rc == 0);
  CHECK(s.call(ours, "DEL", "ctr-ref").rc == 0);
  CHECK(s.leases().empty());
}

TEST_CASE("interop: a lease written by ours is found and released by the reference", "[interop][host-local]") {
  Shared s;
  auto ref = test::reference("host-local");
  auto ours = test::ours("host-local");
  addresses(s.call(ours, "ADD", "ctr-ours"));
  CHECK(s.call(ref, "CHECK", "ctr-ours").rc == 0);
  CHECK(s.call(ref, "DEL", "ctr-ours").rc == 0);
  CHECK(s.leases().empty());
  // Our index still names the released addresses; it must not make us believe they are held.
  CHECK(s.call(ours, "CHECK", "ctr-ours").rc != 0);
  auto again = addresses(s.call(ours, "ADD", "ctr-ours"));
  CHECK(again.size() == 2);
}

TEST_CASE("interop: alternating ADDs never hand out an address twice, and round-robin is shared",
          "[interop][host-local]") {
  Shared s;
  const std::string bins[2] = {test::reference("host-local"), test::ours("host-local")};
  std::set<std::string> seen;
  std::vector<std::string> v4_order;
  for (int i = 0; i < 10; ++i) {
    auto ips = addresses(s.call(bins[i % 2], "ADD", "c" + std::to_string(i)));
    for (const auto& ip : ips) CHECK(seen.insert(ip).second);
    v4_order.push_back(ips[0]);
  }
  // Both read and write last_reserved_ip the same way, so allocation continues in sequence.
  for (int i = 0; i < 10; ++i) CHECK(v4_order[i] == "10.245.0." + std::to_string(i + 2) + "/24");
  // Each releases the other's leases.
  for (int i = 0; i < 10; ++i) CHECK(s.call(bins[(i + 1) % 2], "DEL", "c" + std::to_string(i)).rc == 0);
  CHECK(s.leases().empty());
}

TEST_CASE("interop: the reference refuses a duplicate of our allocation, and we refuse its", "[interop][host-local]") {
  Shared s;
  addresses(s.call(test::ours("host-local"), "ADD", "dup"));
  auto r = s.call(test::reference("host-local"), "ADD", "dup");
  CHECK(r.rc != 0);
  CHECK_THAT(r.out, Catch::Contains("duplicate allocation is not allowed"));
}
