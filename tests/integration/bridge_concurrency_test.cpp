// A Mesos agent starts many containers at once: 64 ADDs racing on one new bridge network
// must all succeed with distinct addresses and well-formed leases, and 64 DELs at once must
// leave no lease, veth or rule behind.
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <tuple>

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

TEST_CASE("bridge: two networks sharing one bridge, 16 ADDs each at once, then the DELs", "[bridge][concurrency]") {
  constexpr int kPerNet = 16;
  Lab lab(test::ours("bridge"));
  struct Attachment {
    std::unique_ptr<test::TestNetns> ns;
    json conf;
    std::string id;
  };
  std::vector<Attachment> att;
  // One subnet split between the networks' ranges, one gateway: the reference (and we)
  // refuse a second, different IPv4 gateway address on a bridge without forceAddress.
  for (const auto& [name, first, last] :
       {std::tuple{"neta", "10.215.0.10", "10.215.0.99"}, std::tuple{"netb", "10.215.0.100", "10.215.0.199"}}) {
    auto conf = lab.conf({"10.215.0.0/24"});
    conf["ipam"]["ranges"][0][0]["rangeStart"] = first;
    conf["ipam"]["ranges"][0][0]["rangeEnd"] = last;
    conf["name"] = name;
    conf["isGateway"] = true;
    conf["ipMasq"] = true;
    for (int i = 0; i < kPerNet; ++i)
      att.push_back({std::make_unique<test::TestNetns>("cy"), conf, std::string(name) + "-" + std::to_string(i)});
  }
  auto all = [&](const std::string& cmd) {
    std::vector<test::RunResult> results(att.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < att.size(); ++i)
      threads.emplace_back([&, i] { results[i] = lab.call(cmd, att[i].id, att[i].ns->path(), att[i].conf); });
    for (auto& t : threads) t.join();
    return results;
  };

  auto adds = all("ADD");
  std::set<std::string> ips;
  for (size_t i = 0; i < att.size(); ++i) {
    INFO(att[i].id << ": " << adds[i].out << adds[i].err);
    REQUIRE(adds[i].rc == 0);
    CHECK(ips.insert(adds[i].json()["ips"][0]["address"].get<std::string>()).second);
  }
  CHECK(lab.ports().size() == att.size());
  size_t v4_addrs = 0;  // the one gateway, added once although 32 ADDs raced to add it
  for (const auto& a : Lab::addrs(lab.host, lab.br)) v4_addrs += a["family"] == "inet" ? 1 : 0;
  CHECK(v4_addrs == 1);
  CHECK(Lab::has_addr(lab.host, lab.br, "10.215.0.1", 24));
  // The networks' containers reach each other across the shared bridge.
  auto peer = adds.back().json()["ips"][0]["address"].get<std::string>();
  CHECK(lab.ping(*att.front().ns, peer.substr(0, peer.find('/'))));

  auto dels = all("DEL");
  for (size_t i = 0; i < att.size(); ++i) CHECK(dels[i].rc == 0);
  CHECK(lab.in_host("ip -o link show type veth").empty());
  for (const char* net : {"neta", "netb"})
    for (const auto& f : test::list_dir(lab.data / (std::string("ipam/") + net)))
      CHECK((f == "lock" || f.rfind("last_reserved_ip.", 0) == 0));
  CHECK(lab.in_host("nft list chain inet cni_plugins_masquerade masq_checks").find("comment") == std::string::npos);
}

TEST_CASE("bridge: 16 gateway ADDs at once on a bridge made by someone else: every result names the MAC it keeps",
          "[bridge][concurrency]") {
  // A bridge we did not create has no fixed MAC: the kernel gives it the lowest port MAC as
  // ports join, until a gateway ADD pins it. Racing ADDs must agree on the pinned value, or
  // an early result names a MAC the bridge no longer has (and its CHECK fails later).
  constexpr int kN = 16;
  Lab lab(test::ours("bridge"));
  lab.in_host("ip link add " + lab.br + " type bridge && ip link set " + lab.br + " up");
  std::vector<std::unique_ptr<test::TestNetns>> ctrs;
  for (int i = 0; i < kN; ++i) ctrs.push_back(std::make_unique<test::TestNetns>("cm"));
  auto conf = lab.conf({"10.213.0.0/16"});
  conf["isGateway"] = true;
  std::vector<test::RunResult> results(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i)
    threads.emplace_back([&, i] { results[i] = lab.call("ADD", "m" + std::to_string(i), ctrs[i]->path(), conf); });
  for (auto& t : threads) t.join();
  const auto now = json::parse(lab.in_host("ip -j link show dev " + lab.br))[0]["address"].get<std::string>();
  for (int i = 0; i < kN; ++i) {
    INFO("container " << i << ": " << results[i].out << results[i].err);
    REQUIRE(results[i].rc == 0);
    CHECK(results[i].json()["interfaces"][0]["mac"] == now);
  }
  for (int i = 0; i < kN; ++i) CHECK(lab.call("DEL", "m" + std::to_string(i), ctrs[i]->path(), conf).rc == 0);
}
