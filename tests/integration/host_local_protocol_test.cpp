// host-local through the CNI protocol: env + stdin in, JSON + exit code + lease files out.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {

struct Net {
  test::TempDir dir;
  std::string name = test::unique_name("hl");

  std::string conf(const std::string& version_field, const std::string& ipam_extra = "") const {
    return "{" + version_field + R"("name":")" + name + R"(","type":"bridge","ipam":{"type":"host-local","dataDir":")" +
           dir.path + R"(","ranges":[[{"subnet":"10.240.0.0/24"}],[{"subnet":"fd00:240::/64"}]],"routes":[{"dst":"0.0.0.0/0"}])" +
           ipam_extra + "}}";
  }
  test::RunResult call(const std::string& cmd, const std::string& conf, const std::string& id = "c1",
                       const std::string& ifname = "eth0", const std::string& args = "") const {
    auto env = test::cni_env(cmd, id, "/dev/null", ifname);
    if (!args.empty()) env["CNI_ARGS"] = args;
    return test::run(test::ours("host-local"), env, conf);
  }
  std::string lease_dir() const { return dir.path + "/" + name; }
  std::vector<std::string> leases() const {
    std::vector<std::string> out;
    for (const auto& f : test::list_dir(lease_dir()))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out.push_back(f);
    return out;
  }
};

// A full snapshot of the data dir (names + contents), to prove bad input changes nothing.
std::string snapshot(const std::string& root) {
  return test::sh("cd " + root + " 2>/dev/null && find . -type f -print0 | sort -z | xargs -0 -r md5sum; find " + root +
                  " | sort");
}

}  // namespace

TEST_CASE("host-local protocol: a config without cniVersion gets an ip4 result", "[host-local][protocol]") {
  Net n;
  auto r = n.call("ADD", n.conf(""));
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["cniVersion"] == "0.1.0");
  CHECK(j["ip4"]["ip"] == "10.240.0.2/24");
  CHECK(j["ip4"]["gateway"] == "10.240.0.1");
  CHECK(j["ip4"]["routes"][0]["dst"] == "0.0.0.0/0");
  CHECK(j["ip6"]["ip"] == "fd00:240::2/64");
  CHECK_FALSE(j.contains("ips"));
}

TEST_CASE("host-local protocol: 0.3.1 has ips[].version, 1.0.0 does not", "[host-local][protocol]") {
  Net n;
  auto r = n.call("ADD", n.conf(R"("cniVersion":"0.3.1",)"));
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["ips"][0]["version"] == "4");
  CHECK(j["ips"][1]["version"] == "6");
  CHECK_FALSE(j.contains("interfaces"));
  auto r2 = n.call("ADD", n.conf(R"("cniVersion":"1.0.0",)"), "c2");
  REQUIRE(r2.rc == 0);
  auto j2 = r2.json();
  CHECK(j2["ips"][0]["address"] == "10.240.0.3/24");
  CHECK_FALSE(j2["ips"][0].contains("version"));
}

TEST_CASE("host-local protocol: lease files are byte-exact and private", "[host-local][protocol]") {
  Net n;
  REQUIRE(n.call("ADD", n.conf(R"("cniVersion":"1.0.0",)"), "c1", "net1").rc == 0);
  CHECK(test::read_file(n.lease_dir() + "/10.240.0.2") == "c1\r\nnet1");
  CHECK(test::read_file(n.lease_dir() + "/fd00:240::2") == "c1\r\nnet1");
  CHECK(test::read_file(n.lease_dir() + "/last_reserved_ip.0") == "10.240.0.2");
  CHECK(test::read_file(n.lease_dir() + "/last_reserved_ip.1") == "fd00:240::2");
  struct stat st;
  REQUIRE(stat((n.lease_dir() + "/10.240.0.2").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat(n.lease_dir().c_str(), &st) == 0);
  CHECK((st.st_mode & 0002) == 0);  // not world-writable
}

TEST_CASE("host-local protocol: round-robin does not reuse a just-released address", "[host-local][protocol]") {
  Net n;
  auto conf = n.conf(R"("cniVersion":"1.0.0",)");
  REQUIRE(n.call("ADD", conf, "a").rc == 0);  // .2
  REQUIRE(n.call("DEL", conf, "a").rc == 0);
  auto r = n.call("ADD", conf, "b");
  REQUIRE(r.rc == 0);
  CHECK(r.json()["ips"][0]["address"] == "10.240.0.3/24");
}

TEST_CASE("host-local protocol: DEL is idempotent and CHECK finds the lease", "[host-local][protocol]") {
  Net n;
  auto conf = n.conf(R"("cniVersion":"1.0.0",)");
  REQUIRE(n.call("ADD", conf).rc == 0);
  CHECK(n.call("CHECK", conf).rc == 0);
  for (int i = 0; i < 3; ++i) CHECK(n.call("DEL", conf).rc == 0);
  CHECK(n.leases().empty());
  auto check = n.call("CHECK", conf);
  CHECK(check.rc != 0);
  CHECK_THAT(check.json()["msg"].get<std::string>(), Catch::Contains("Failed to find address added by container c1"));
  // DEL on a network that never existed creates nothing.
  Net fresh;
  CHECK(fresh.call("DEL", fresh.conf(R"("cniVersion":"1.0.0",)")).rc == 0);
  CHECK(test::list_dir(fresh.dir.path).empty());
}

TEST_CASE("host-local protocol: requested IPs from CNI_ARGS and args.cni.ips", "[host-local][protocol]") {
  Net n;
  auto r = n.call("ADD", n.conf(R"("cniVersion":"1.0.0","args":{"cni":{"ips":["fd00:240::99"]}},)"), "c1", "eth0",
                  "IP=10.240.0.77");
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["ips"][0]["address"] == "10.240.0.77/24");
  CHECK(j["ips"][1]["address"] == "fd00:240::99/64");
  // Taken: refused, and the other set's allocation is rolled back.
  auto before = snapshot(n.dir.path);
  auto taken = n.call("ADD", n.conf(R"("cniVersion":"1.0.0",)"), "c2", "eth0", "IP=10.240.0.77");
  CHECK(taken.rc == 1);
  CHECK_THAT(taken.json()["msg"].get<std::string>(), Catch::Contains("not available"));
  CHECK(snapshot(n.dir.path) == before);
}

TEST_CASE("host-local protocol: bad input is refused with the right code and changes nothing",
          "[host-local][protocol]") {
  Net n;
  auto good = n.conf(R"("cniVersion":"1.0.0",)");
  REQUIRE(n.call("ADD", good, "keep").rc == 0);
  auto before = snapshot(n.dir.path);
  struct Case {
    std::string conf, id, ifname, args;
    int code;
  };
  auto with_ipam = [&](const std::string& ipam) {
    return R"({"cniVersion":"1.0.0","name":")" + n.name + R"(","ipam":{"type":"host-local","dataDir":")" + n.dir.path +
           R"(",)" + ipam + "}}";
  };
  std::vector<Case> cases = {
      {"{not json", "c", "eth0", "", 6},
      {good, "../../etc", "eth0", "", 4},
      {good, "a/b", "eth0", "", 4},
      {good, "c", "abcdefghijklmnop", "", 4},
      {good, "c", "eth0", "IP=10.99.0.1", 7},  // outside every range
      {good, "c", "eth0", "IP=10.240.0.1", 7},  // the gateway
      {with_ipam(R"("subnet":"10.241.0.5/24")"), "c", "eth0", "", 7},
      {with_ipam(R"("subnet":"10.241.0.0/24","rangeStart":"10.242.0.1")"), "c", "eth0", "", 7},
      {with_ipam(R"("subnet":"10.241.0.0/31")"), "c", "eth0", "", 7},
      {with_ipam(R"("subnet":"10.241.0.0/32")"), "c", "eth0", "", 7},
      {R"({"cniVersion":"1.0.0","name":"../x","ipam":{"type":"host-local","dataDir":")" + n.dir.path +
           R"(","subnet":"10.241.0.0/24"}})",
       "c", "eth0", "", 7},
      {R"({"cniVersion":"9.9.9","name":"x","ipam":{}})", "c", "eth0", "", 1},
  };
  for (const auto& c : cases) {
    INFO(c.conf << " id=" << c.id << " if=" << c.ifname << " args=" << c.args);
    auto r = n.call("ADD", c.conf, c.id, c.ifname, c.args);
    CHECK(r.rc == 1);
    CHECK(r.json()["code"] == c.code);
    CHECK(r.json()["msg"].get<std::string>().size() > 5);
    CHECK(snapshot(n.dir.path) == before);
  }
}

TEST_CASE("host-local protocol: an exhausted range is an error and leaves no trace", "[host-local][protocol]") {
  Net n;
  auto conf = R"({"cniVersion":"1.0.0","name":")" + n.name + R"(","ipam":{"type":"host-local","dataDir":")" +
              n.dir.path + R"(","ranges":[[{"subnet":"10.243.0.0/30"}]]}})";
  REQUIRE(n.call("ADD", conf, "a").rc == 0);
  auto before = snapshot(n.dir.path);
  auto r = n.call("ADD", conf, "b");
  CHECK(r.rc == 1);
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("no IP addresses available"));
  CHECK(snapshot(n.dir.path) == before);
}

TEST_CASE("host-local protocol: 1.1.0 GC releases leases not in valid-attachments, STATUS answers", "[host-local][protocol]") {
  Net n;
  auto conf11 = n.conf(R"("cniVersion":"1.1.0",)");
  REQUIRE(n.call("ADD", conf11, "keep").rc == 0);
  REQUIRE(n.call("ADD", conf11, "drop").rc == 0);
  REQUIRE(n.call("ADD", conf11, "keep", "eth1").rc == 0);
  CHECK(n.leases().size() == 6);
  auto gc = json::parse(conf11);
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}});
  auto env = test::cni_env("GC", "", "", "");
  env.erase("CNI_CONTAINERID");
  env.erase("CNI_NETNS");
  env.erase("CNI_IFNAME");
  auto r = test::run(test::ours("host-local"), env, gc.dump());
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(n.leases().size() == 2);
  for (const auto& f : n.leases()) CHECK(test::read_file(n.lease_dir() + "/" + f) == "keep\r\neth0");

  env["CNI_COMMAND"] = "STATUS";
  CHECK(test::run(test::ours("host-local"), env, conf11).rc == 0);
  // A dataDir under a regular file cannot be used: code 50.
  test::write_file(n.dir / "blocker", "x");
  auto bad = R"({"cniVersion":"1.1.0","name":"x","ipam":{"type":"host-local","dataDir":")" + n.dir.path +
             R"(/blocker/d","subnet":"10.244.0.0/24"}})";
  auto s = test::run(test::ours("host-local"), env, bad);
  CHECK(s.rc == 1);
  CHECK(s.json()["code"] == 50);
  // GC and STATUS need 1.1.0.
  env["CNI_COMMAND"] = "GC";
  auto old = test::run(test::ours("host-local"), env, n.conf(R"("cniVersion":"1.0.0",)"));
  CHECK(old.rc == 1);
  CHECK(old.json()["code"] == 1);
}
