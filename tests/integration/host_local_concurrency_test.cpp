// A Mesos agent starts many containers at once, on one network or several sharing a
// dataDir, and during an upgrade some agents still run the reference plugin on the same
// store. Every racing ADD must get its own address with a well-formed lease, and racing
// DELs must leave the store empty.
#include <functional>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {

struct Call {
  std::string plugin;
  std::string network;
  std::string id;
};

json conf(const std::string& data_dir, const std::string& network) {
  return {{"cniVersion", "1.0.0"},
          {"name", network},
          {"ipam",
           {{"type", "host-local"},
            {"dataDir", data_dir},
            {"ranges", {{{{"subnet", "10.214.0.0/24"}}}, {{{"subnet", "fd00:214::/64"}}}}}}}};
}

// Starts every call at once (one thread each) and returns the results in order.
std::vector<test::RunResult> all_at_once(const std::string& cmd, const std::string& data_dir,
                                         const std::vector<Call>& calls) {
  std::vector<test::RunResult> results(calls.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < calls.size(); ++i)
    threads.emplace_back([&, i] {
      results[i] = test::run(calls[i].plugin, test::cni_env(cmd, calls[i].id, "/dev/null"),
                             conf(data_dir, calls[i].network).dump());
    });
  for (auto& t : threads) t.join();
  return results;
}

// ADDs all calls at once, checks unique addresses per network and every lease's bytes, then
// DELs them all at once (each with `del_plugin(i)`) and checks that no lease is left, nor
// (when only we deleted) an index entry.
void race(const test::TempDir& data, const std::vector<Call>& calls,
          const std::function<std::string(size_t)>& del_plugin, bool only_ours_deleted = true) {
  auto adds = all_at_once("ADD", data.path, calls);
  std::map<std::string, std::set<std::string>> per_network;
  for (size_t i = 0; i < calls.size(); ++i) {
    INFO(calls[i].plugin << " " << calls[i].network << "/" << calls[i].id << ": " << adds[i].out << adds[i].err);
    REQUIRE(adds[i].rc == 0);
    auto ips = adds[i].json()["ips"];
    REQUIRE(ips.size() == 2);
    for (const auto& ip : ips) {
      auto addr = ip["address"].get<std::string>();
      addr = addr.substr(0, addr.find('/'));
      CHECK(per_network[calls[i].network].insert(addr).second);
      CHECK(test::read_file(data / (calls[i].network + "/" + addr)) == calls[i].id + "\r\neth0");
    }
  }
  std::vector<Call> dels = calls;
  for (size_t i = 0; i < dels.size(); ++i) dels[i].plugin = del_plugin(i);
  auto results = all_at_once("DEL", data.path, dels);
  for (size_t i = 0; i < dels.size(); ++i) {
    INFO(dels[i].plugin << " DEL " << dels[i].id << ": " << results[i].out << results[i].err);
    CHECK(results[i].rc == 0);
  }
  for (const auto& [network, ips] : per_network) {
    for (const auto& f : test::list_dir(data / network)) {
      INFO(network << " still holds " << f);
      CHECK((f == "lock" || f.rfind("last_reserved_ip.", 0) == 0));
    }
    if (only_ours_deleted) CHECK(test::list_dir(data / (".cnipp-index/" + network)).empty());
  }
}

}  // namespace

TEST_CASE("host-local concurrency: 64 ADDs at once on one network, then 64 DELs at once",
          "[host-local][concurrency]") {
  test::TempDir data;
  const auto net = test::unique_name("hc");
  std::vector<Call> calls;
  for (int i = 0; i < 64; ++i) calls.push_back({test::ours("host-local"), net, "c" + std::to_string(i)});
  race(data, calls, [&](size_t i) { return calls[i].plugin; });
}

TEST_CASE("host-local concurrency: two networks sharing a dataDir and a subnet, 32 ADDs each at once",
          "[host-local][concurrency]") {
  test::TempDir data;
  const auto a = test::unique_name("ha"), b = test::unique_name("hb");
  std::vector<Call> calls;
  for (int i = 0; i < 32; ++i) {
    calls.push_back({test::ours("host-local"), a, "c" + std::to_string(i)});
    calls.push_back({test::ours("host-local"), b, "c" + std::to_string(i)});  // same IDs, other network
  }
  race(data, calls, [&](size_t i) { return calls[i].plugin; });
}

TEST_CASE("host-local concurrency: a mixed fleet, ours and the reference racing on one store",
          "[host-local][concurrency][interop]") {
  test::TempDir data;
  const auto net = test::unique_name("hm");
  std::vector<Call> calls;
  for (int i = 0; i < 64; ++i)
    calls.push_back({i % 2 ? test::reference("host-local") : test::ours("host-local"), net, "c" + std::to_string(i)});
  // Each attachment is released by the other implementation than the one that made it.
  race(
      data, calls, [&](size_t i) { return i % 2 ? test::ours("host-local") : test::reference("host-local"); },
      /*only_ours_deleted=*/false);

  // The reference does not know our index, so entries of attachments it released are stale.
  // They must mislead nobody: the same attachment is added again as if new...
  const auto index_dir = data / (".cnipp-index/" + net);
  REQUIRE(test::list_dir(index_dir).size() == 32);
  auto again = test::run(test::ours("host-local"), test::cni_env("ADD", "c0", "/dev/null"), conf(data.path, net).dump());
  INFO(again.out << again.err);
  REQUIRE(again.rc == 0);
  // ...and GC drops the stale ones while keeping the live one.
  auto gc_conf = conf(data.path, net);
  gc_conf["cniVersion"] = "1.1.0";
  gc_conf["cni.dev/valid-attachments"] = json::array({{{"containerID", "c0"}, {"ifname", "eth0"}}});
  auto env = test::cni_env("GC", "", "");
  for (const char* k : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) env.erase(k);
  auto gc = test::run(test::ours("host-local"), env, gc_conf.dump());
  INFO(gc.out << gc.err);
  REQUIRE(gc.rc == 0);
  CHECK(test::list_dir(index_dir) == std::vector<std::string>{"c0@eth0"});
}
