// A Mesos agent starts many containers at once: 64 ADDs racing on one new bridge network
// must all succeed with distinct addresses and well-formed leases, and 64 DELs at once must
// leave no lease, veth or rule behind.
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "bridge_lab.hpp"

using bridge_test::Lab;
using nlohmann::json;

TEST_CASE("bridge: 64 ADDs at once on a new bridge, then 64 DELs at once", "[bridge][concurrency]") {
  constexpr int kN = 64;
  Lab lab(test::ours("bridge"));
  std::vector<std::unique_ptr<test::TestNetns>> ctrs;
  for (int i = 0; i < kN; ++i) ctrs.push_back(std::make_unique<test::TestNetns>("cx"));
  auto conf = lab.conf({"10.212.0.0/16"});
  conf["isGateway"] = true;
  conf["ipMasq"] = true;

  auto all = [&](const std::string& cmd) {
    std::vector<test::RunResult> results(kN);
    std::vector<std::thread> threads;
    for (int i = 0; i < kN; ++i)
      threads.emplace_back([&, i] { results[i] = lab.call(cmd, "c" + std::to_string(i), ctrs[i]->path(), conf); });
    for (auto& t : threads) t.join();
    return results;
  };

  auto adds = all("ADD");
  std::set<std::string> ips;
  for (int i = 0; i < kN; ++i) {
    INFO("container " << i << ": " << adds[i].out << adds[i].err);
    REQUIRE(adds[i].rc == 0);
    auto ip = adds[i].json()["ips"][0]["address"].get<std::string>();
    CHECK(ips.insert(ip).second);
    auto lease = test::read_file(lab.data / ("ipam/brnet/" + ip.substr(0, ip.find('/'))));
    CHECK(lease == "c" + std::to_string(i) + "\r\neth0");
  }
  CHECK(lab.leases().size() == kN);
  const auto rules = lab.in_host("nft list chain inet cni_plugins_masquerade masq_checks");
  size_t masq_rules = 0;
  for (size_t p = rules.find("masquerade comment"); p != std::string::npos; p = rules.find("masquerade comment", p + 1))
    ++masq_rules;
  CHECK(masq_rules == kN);

  auto dels = all("DEL");
  for (int i = 0; i < kN; ++i) CHECK(dels[i].rc == 0);
  CHECK(lab.leases().empty());
  CHECK(lab.in_host("ip -o link show type veth").empty());
  CHECK(lab.in_host("nft list chain inet cni_plugins_masquerade masq_checks").find("masquerade comment") ==
        std::string::npos);
}
