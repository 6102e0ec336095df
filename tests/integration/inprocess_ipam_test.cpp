// In-process IPAM delegation: bridge runs host-local's code itself only when CNI_PATH's
// host-local is the binary of this very build (its ".cnipp.ident" line); the reference's,
// another cnipp build's or a wrapper script is exec'd. Either way the addresses come from the
// same store in the same order, and a failure reads and cleans up the same.
#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "bridge_lab.hpp"
#include "syscall_kill.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {

// A CNI_PATH directory whose host-local is `kind`: "ours" (this build's binary), "other
// build" (ours with one byte of its ident line changed, as a different cnipp version would
// differ), "script" (a wrapper that notes it ran, then execs ours) or "reference".
struct IpamDir {
  test::TempDir dir;
  std::string path() const { return dir.path; }
  std::string ran_marker() const { return dir / "wrapper-ran"; }

  explicit IpamDir(const std::string& kind) {
    auto target = dir / "host-local";
    if (kind == "script") {
      test::write_file(target, "#!/bin/sh\n: >" + ran_marker() + "\nexec " + test::ours("host-local") + "\n");
    } else if (kind == "other build") {
      test::copy_as_other_build("host-local", target);
    } else {
      std::filesystem::copy_file(kind == "reference" ? test::reference("host-local") : test::ours("host-local"), target);
    }
    ::chmod(target.c_str(), 0755);
  }
};

struct Run {
  test::KilledRun r;
  json out() const { return json::parse(r.out); }
};

// One bridge command run under ptrace (never killed), so the programs it ran are counted.
Run traced(const Lab& lab, const std::string& cmd, const std::string& id, const test::TestNetns& ctr,
           const json& conf, const std::string& cni_path) {
  return {test::run_killed_at(lab.binary, test::cni_env(cmd, id, ctr.path(), "eth0", cni_path), conf.dump(), 0,
                              lab.host.path())};
}

}  // namespace

TEST_CASE("in-process IPAM: this build's host-local runs in the bridge process, any other is exec'd",
          "[bridge][delegate]") {
  Lab lab(test::ours("bridge"));
  auto conf = lab.conf({"10.216.0.0/24"});
  // In order: each ADD then DEL on one store, so round-robin shows the store is shared.
  // With the number of programs each command runs: bridge, then host-local (or sh and host-local).
  const std::vector<std::pair<std::string, int>> kinds = {
      {"ours", 1}, {"other build", 2}, {"script", 3}, {"reference", 2}, {"ours", 1}};
  int n = 2;
  for (const auto& [kind, programs] : kinds) {
    CAPTURE(kind);
    IpamDir ipam(kind);
    test::TestNetns ctr("ip");
    auto add = traced(lab, "ADD", "c1", ctr, conf, ipam.path());
    REQUIRE(add.r.rc == 0);
    CHECK(add.r.programs == programs);
    CHECK(add.out()["ips"][0]["address"] == "10.216.0." + std::to_string(n++) + "/24");
    CHECK(lab.leases().size() == 1);
    if (kind == "script") CHECK(access(ipam.ran_marker().c_str(), F_OK) == 0);
    auto del = traced(lab, "DEL", "c1", ctr, conf, ipam.path());
    REQUIRE(del.r.rc == 0);
    CHECK(del.r.programs == programs);
    CHECK(lab.leases().empty());
  }
}

TEST_CASE("in-process IPAM: failures read the same as from the exec'd plugin and leave nothing",
          "[bridge][delegate]") {
  Lab lab(test::ours("bridge"));
  IpamDir ours("ours"), other("other build");
  // A config host-local rejects, and a range with room for one container.
  auto bad = lab.conf({"10.216.1.0/33"});
  auto one = lab.conf({"10.216.2.0/24"});
  one["ipam"]["ranges"][0][0]["rangeStart"] = "10.216.2.10";
  one["ipam"]["ranges"][0][0]["rangeEnd"] = "10.216.2.10";
  test::TestNetns holder("ip");
  REQUIRE(traced(lab, "ADD", "holder", holder, one, ours.path()).r.rc == 0);

  for (const auto& conf : {bad, one}) {
    std::vector<std::string> outs;
    for (const auto* ipam : {&ours, &other}) {
      test::TestNetns ctr("ip");
      auto add = traced(lab, "ADD", "c2", ctr, conf, ipam->path());
      CHECK(add.r.rc == 1);
      outs.push_back(add.r.out);
      // Undone: no veth of c2 on the bridge, no eth0 in the container, no lease for c2.
      CHECK(lab.ports().size() == 1);  // the holder's
      CHECK(Lab::link(ctr, "eth0").is_null());
    }
    CAPTURE(outs[0]);
    CHECK(json::parse(outs[0])["code"].get<int>() > 0);
    CHECK(outs[0] == outs[1]);
  }
  CHECK(lab.leases() == std::vector<std::string>{"10.216.2.10"});
}
