// host-local on a damaged lease store: lease files torn by a crash or power loss (empty),
// a torn last_reserved_ip, symlinks planted in the lease directory, a store removed by hand.
// DEL and the next ADD must keep working, nothing is written through a symlink, and a
// lease that names nobody is reported on stderr rather than silently kept or freed.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {

struct Store {
  test::TempDir dir;
  std::string name = test::unique_name("hd");

  json conf(const std::string& version = "1.0.0") const {
    return {{"cniVersion", version},
            {"name", name},
            {"ipam", {{"type", "host-local"}, {"dataDir", dir.path}, {"ranges", {{{{"subnet", "10.241.0.0/24"}}}}}}}};
  }
  test::RunResult call(const std::string& cmd, const std::string& id, const json& c) const {
    return test::run(test::ours("host-local"), test::cni_env(cmd, id, "/dev/null"), c.dump());
  }
  test::RunResult add(const std::string& id) const { return call("ADD", id, conf()); }
  test::RunResult del(const std::string& id) const { return call("DEL", id, conf()); }
  test::RunResult gc(const json& valid) const {
    auto c = conf("1.1.0");
    c["cni.dev/valid-attachments"] = valid;
    auto env = test::cni_env("GC", "", "");
    for (const char* k : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) env.erase(k);
    return test::run(test::ours("host-local"), env, c.dump());
  }
  std::string lease(const std::string& ip) const { return dir / (name + "/" + ip); }
  std::vector<std::string> leases() const {
    std::vector<std::string> out;
    for (const auto& f : test::list_dir(dir / name))
      if (f != "lock" && f.rfind("last_reserved_ip", 0) != 0) out.push_back(f);
    return out;
  }
};

std::string ip_of(const test::RunResult& r) {
  auto a = r.json()["ips"][0]["address"].get<std::string>();
  return a.substr(0, a.find('/'));
}

}  // namespace

TEST_CASE("damaged store: a torn lease of the container being deleted is released through the index",
          "[host-local][damage]") {
  Store s;
  auto r = s.add("c1");
  REQUIRE(r.rc == 0);
  test::write_file(s.lease(ip_of(r)), "");  // the content never reached the disk
  auto del = s.del("c1");
  INFO(del.out << del.err);
  CHECK(del.rc == 0);
  CHECK(s.leases().empty());
  CHECK(del.err.empty());
}

TEST_CASE("damaged store: a torn lease nobody can name keeps its address, and DEL and GC say so",
          "[host-local][damage]") {
  Store s;
  REQUIRE(s.add("c0").rc == 0);  // creates the store; gets .2
  REQUIRE(s.del("c0").rc == 0);
  test::write_file(s.lease("10.241.0.3"), "");  // torn by power loss, no index names it
  auto a = s.add("c1");
  REQUIRE(a.rc == 0);
  CHECK(ip_of(a) == "10.241.0.4");  // round-robin skips the torn lease: its address may be in use

  auto unknown = s.del("never-added");
  INFO(unknown.err);
  CHECK(unknown.rc == 0);
  CHECK_THAT(unknown.err, Catch::Contains("10.241.0.3") && Catch::Contains("torn"));

  CHECK(s.del("c1").rc == 0);
  CHECK(s.leases() == std::vector<std::string>{"10.241.0.3"});
  auto gc = s.gc(json::array());
  INFO(gc.out << gc.err);
  CHECK(gc.rc == 0);
  CHECK(s.leases() == std::vector<std::string>{"10.241.0.3"});
  CHECK_THAT(gc.err, Catch::Contains("10.241.0.3"));
}

TEST_CASE("damaged store: GC repairs the torn lease of a live attachment and frees a gone one's",
          "[host-local][damage]") {
  Store s;
  auto keep = s.add("keep");
  auto gone = s.add("gone");
  REQUIRE(keep.rc == 0);
  REQUIRE(gone.rc == 0);
  test::write_file(s.lease(ip_of(keep)), "");
  test::write_file(s.lease(ip_of(gone)), "");
  auto gc = s.gc(json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}}));
  INFO(gc.out << gc.err);
  REQUIRE(gc.rc == 0);
  CHECK(s.leases() == std::vector<std::string>{ip_of(keep)});
  CHECK(test::read_file(s.lease(ip_of(keep))) == "keep\r\neth0");
  CHECK_THAT(gc.err, Catch::Contains("repaired"));
  // The repaired lease is found and released like any other.
  CHECK(s.del("keep").rc == 0);
  CHECK(s.leases().empty());
}

TEST_CASE("damaged store: a torn last_reserved_ip restarts round-robin instead of failing",
          "[host-local][damage]") {
  Store s;
  REQUIRE(s.add("c1").rc == 0);
  test::write_file(s.dir / (s.name + "/last_reserved_ip.0"), "");
  auto r = s.add("c2");
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  CHECK(ip_of(r) == "10.241.0.3");  // from the start of the range, skipping the held .2
  CHECK(test::read_file(s.dir / (s.name + "/last_reserved_ip.0")) == "10.241.0.3");
}

TEST_CASE("damaged store: symlinks planted in the lease directory are never written through",
          "[host-local][damage][hostile]") {
  Store s;
  REQUIRE(s.add("c0").rc == 0);
  REQUIRE(s.del("c0").rc == 0);
  // A stand-in for /etc/passwd: the test must not risk the real one.
  const std::string decoy = s.dir / "passwd";
  const std::string original = "root:x:0:0:root:/root:/bin/bash\n";
  test::write_file(decoy, original);
  auto plant = [&](const std::string& rel) {
    ::unlink((s.dir / rel).c_str());
    REQUIRE(symlink(decoy.c_str(), (s.dir / rel).c_str()) == 0);
  };

  SECTION("as the next lease file: that address is skipped") {
    plant(s.name + "/10.241.0.3");
    auto r = s.add("c1");
    REQUIRE(r.rc == 0);
    CHECK(ip_of(r) == "10.241.0.4");
    CHECK(s.del("c1").rc == 0);
    CHECK(s.gc(json::array()).rc == 0);
  }
  SECTION("as last_reserved_ip: ADD refuses with an I/O error and leaves no lease") {
    plant(s.name + "/last_reserved_ip.0");
    auto r = s.add("c1");
    CHECK(r.rc == 1);
    CHECK(r.json()["code"] == 5);
    CHECK(s.leases().empty());
  }
  SECTION("as the lock file: refused") {
    plant(s.name + "/lock");
    auto r = s.add("c1");
    CHECK(r.rc == 1);
    CHECK(s.leases().empty());
  }
  SECTION("as the container's index entry: replaced, not followed") {
    test::sh("mkdir -p -m 0700 " + s.dir / (".cnipp-index/" + s.name));
    plant(".cnipp-index/" + s.name + "/c1@eth0");
    auto r = s.add("c1");
    REQUIRE(r.rc == 0);
    struct stat st;
    REQUIRE(::lstat((s.dir / (".cnipp-index/" + s.name + "/c1@eth0")).c_str(), &st) == 0);
    CHECK(S_ISREG(st.st_mode));
    CHECK(s.del("c1").rc == 0);
  }
  CHECK(test::read_file(decoy) == original);
  struct stat st;
  REQUIRE(::stat(decoy.c_str(), &st) == 0);
  CHECK(st.st_size == static_cast<off_t>(original.size()));
}

TEST_CASE("damaged store: DEL after the lease directory or the whole dataDir was removed by hand",
          "[host-local][damage]") {
  Store s;
  REQUIRE(s.add("c1").rc == 0);
  test::sh("rm -rf " + s.dir / s.name);
  CHECK(s.del("c1").rc == 0);
  REQUIRE(s.add("c2").rc == 0);  // and the store comes back on the next ADD
  CHECK(s.leases().size() == 1);
  test::sh("rm -rf " + s.dir.path);
  CHECK(s.del("c2").rc == 0);
}
