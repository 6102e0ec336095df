// The runtime against scripted fake plugins (no root needed): each script logs its verb,
// saves its stdin and environment, and prints a canned answer.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "cni/runtime/netconf_list.hpp"
#include "cni/runtime/runtime.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {

struct FakePlugins {
  test::TempDir dir;
  std::string log() const { return test::read_file(dir / "log"); }
  json input(const std::string& type, const std::string& verb) const {
    return json::parse(test::read_file(dir / (type + "." + verb + ".in")));
  }
  std::string env(const std::string& type, const std::string& verb) const {
    return test::read_file(dir / (type + "." + verb + ".env"));
  }
  // `answer` is printed on ADD; `fail` (a CNI error JSON) makes every verb except VERSION fail.
  void add(const std::string& type, const std::string& answer, const std::string& fail = "") {
    std::string path = dir / type;
    std::string script = "#!/bin/sh\n"
                         "if [ \"$CNI_COMMAND\" = VERSION ]; then echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":"
                         "[\"0.4.0\",\"1.0.0\",\"1.1.0\"]}'; exit 0; fi\n"
                         "echo \"" + type + " $CNI_COMMAND\" >> " + dir / "log" + "\n"
                         "cat > " + dir / (type + ".$CNI_COMMAND.in") + "\n"
                         "env > " + dir / (type + ".$CNI_COMMAND.env") + "\n";
    if (!fail.empty()) script += "echo '" + fail + "'; exit 1\n";
    script += "if [ \"$CNI_COMMAND\" = ADD ]; then echo '" + answer + "'; fi\n";
    test::write_file(path, script);
    chmod(path.c_str(), 0755);
  }
};

const char* kResultA = R"({"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/ns"}],"ips":[{"address":"10.230.0.5/24","interface":0}]})";
// An old-style answer: no cniVersion (libcni assumes the config's) and 0.4.0-only keys.
const char* kResultB = R"({"interfaces":[{"name":"eth0","sandbox":"/ns"}],"ips":[{"address":"10.230.0.5/24","interface":0},{"address":"10.231.0.5/24"}]})";

cni::RuntimeConf rt() {
  cni::RuntimeConf r;
  r.container_id = "ctr1";
  r.netns = "/var/run/netns/none";
  r.ifname = "eth0";
  r.args = {{"IgnoreUnknown", "1"}, {"FOO", "bar"}};
  r.capability_args = json::parse(R"({"mac":"02:00:00:00:00:01"})");
  return r;
}

}  // namespace

TEST_CASE("ADD runs the chain in order, threading each result as the next prevResult", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  p.add("b", kResultB);
  test::TempDir cache;
  auto list = cni::NetConfList::from_bytes(
      R"({"cniVersion":"1.0.0","name":"chain","plugins":[{"type":"a","capabilities":{"mac":true}},{"type":"b","x":1}]})");
  cni::Runtime runtime({p.dir.path}, cache.path);
  auto result = runtime.add(list, rt());

  CHECK(p.log() == "a ADD\nb ADD\n");
  auto in_a = p.input("a", "ADD");
  CHECK(in_a["name"] == "chain");
  CHECK(in_a["cniVersion"] == "1.0.0");
  CHECK_FALSE(in_a.contains("prevResult"));
  CHECK(in_a["runtimeConfig"]["mac"] == "02:00:00:00:00:01");
  auto in_b = p.input("b", "ADD");
  CHECK(in_b["x"] == 1);
  CHECK_FALSE(in_b.contains("runtimeConfig"));
  CHECK(in_b["prevResult"]["ips"][0]["address"] == "10.230.0.5/24");
  CHECK(in_b["prevResult"]["cniVersion"] == "1.0.0");

  // The CNI environment of the call.
  auto env = p.env("a", "ADD");
  CHECK(env.find("CNI_COMMAND=ADD\n") != std::string::npos);
  CHECK(env.find("CNI_CONTAINERID=ctr1\n") != std::string::npos);
  CHECK(env.find("CNI_NETNS=/var/run/netns/none\n") != std::string::npos);
  CHECK(env.find("CNI_IFNAME=eth0\n") != std::string::npos);
  CHECK(env.find("CNI_ARGS=IgnoreUnknown=1;FOO=bar\n") != std::string::npos);
  CHECK(env.find("CNI_PATH=" + p.dir.path + "\n") != std::string::npos);
  CHECK(env.find("PATH=") != std::string::npos);

  // The last plugin's result (given the config's version) is returned and cached.
  CHECK(result["cniVersion"] == "1.0.0");
  CHECK(result["ips"].size() == 2);
  auto cached = runtime.cache().read("chain", "ctr1", "eth0");
  REQUIRE(cached);
  CHECK(cached->result["ips"][1]["address"] == "10.231.0.5/24");
  CHECK(cached->config == list.bytes);
  CHECK(cached->cni_args == rt().args);
}

TEST_CASE("DEL runs in reverse with the cached result and removes the cache file", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  p.add("b", kResultB);
  test::TempDir cache;
  auto list = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"chain","plugins":[{"type":"a"},{"type":"b"}]})");
  cni::Runtime runtime({p.dir.path}, cache.path);
  runtime.add(list, rt());
  runtime.check(list, rt());
  runtime.del(list, rt());
  CHECK(p.log() == "a ADD\nb ADD\na CHECK\nb CHECK\nb DEL\na DEL\n");
  CHECK(p.input("a", "CHECK")["prevResult"]["ips"].size() == 2);
  CHECK(p.input("a", "DEL")["prevResult"]["ips"][1]["address"] == "10.231.0.5/24");
  CHECK_FALSE(runtime.cache().read("chain", "ctr1", "eth0"));
  // A second DEL (no cache any more) still runs every plugin, without prevResult.
  runtime.del(list, rt());
  CHECK_FALSE(p.input("a", "DEL").contains("prevResult"));
}

TEST_CASE("a torn cache file does not block DEL", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  test::TempDir cache;
  auto list = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"chain","plugins":[{"type":"a"}]})");
  cni::Runtime runtime({p.dir.path}, cache.path);
  runtime.add(list, rt());
  std::string path = runtime.cache().path_for("chain", "ctr1", "eth0");
  test::write_file(path, R"({"kind":"cniCacheV1","result":{"ips":[{"addr)");
  CHECK_THROWS_AS(runtime.check(list, rt()), cni::Error);  // CHECK needs a usable result
  runtime.del(list, rt());
  CHECK_FALSE(p.input("a", "DEL").contains("prevResult"));
  CHECK(test::list_dir(cache / "results").empty());
}

TEST_CASE("CHECK honours the version gate and disableCheck", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  test::TempDir cache;
  cni::Runtime runtime({p.dir.path}, cache.path);
  auto old = cni::NetConfList::from_bytes(R"({"cniVersion":"0.3.1","name":"o","plugins":[{"type":"a"}]})");
  try {
    runtime.check(old, rt());
    FAIL("CHECK on 0.3.1 must fail");
  } catch (const cni::Error& e) {
    CHECK(e.code() == cni::kIncompatibleVersion);
  }
  auto off = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"o","disableCheck":"true","plugins":[{"type":"a"}]})");
  runtime.check(off, rt());
  // DEL below 0.4.0 sends no prevResult even with a cache file.
  runtime.add(old, rt());
  runtime.del(old, rt());
  CHECK_FALSE(p.input("a", "DEL").contains("prevResult"));
  CHECK(p.log() == "a ADD\na DEL\n");
}

TEST_CASE("a plugin's error surfaces unchanged with the failing plugin's name", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  p.add("bad", "", R"({"code":117,"msg":"no room at the inn","details":"pool 10.230.0.0/24 exhausted"})");
  test::TempDir cache;
  auto list = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"chain","plugins":[{"type":"a"},{"type":"bad"}]})");
  cni::Runtime runtime({p.dir.path}, cache.path);
  try {
    runtime.add(list, rt());
    FAIL("ADD must fail");
  } catch (const cni::RuntimeError& e) {
    CHECK(e.plugin_type() == "bad");
    CHECK(e.verb() == "ADD");
    CHECK(e.code() == 117);
    CHECK(e.msg() == "no room at the inn");
    CHECK(e.details() == "pool 10.230.0.0/24 exhausted");
    CHECK(e.describe() == "plugin type=\"bad\" failed (add): no room at the inn");
  }
  CHECK(test::list_dir(cache / "results").empty());  // nothing cached for a failed ADD

  auto missing = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"m","plugins":[{"type":"nothere"}]})");
  try {
    runtime.add(missing, rt());
    FAIL("ADD must fail");
  } catch (const cni::RuntimeError& e) {
    CHECK(e.plugin_type() == "nothere");
    CHECK(e.code() == cni::kInvalidNetworkConfig);
  }
}

TEST_CASE("GC deletes stale cached attachments, then sends GC with both attachment keys", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  test::TempDir cache;
  auto list = cni::NetConfList::from_bytes(R"({"cniVersion":"1.1.0","name":"g","plugins":[{"type":"a"}]})");
  auto other = cni::NetConfList::from_bytes(R"({"cniVersion":"1.1.0","name":"h","plugins":[{"type":"a"}]})");
  cni::Runtime runtime({p.dir.path}, cache.path);
  auto keep = rt();
  auto stale = rt();
  stale.container_id = "ctr2";
  stale.netns = "/var/run/netns/stale";
  runtime.add(list, keep);
  runtime.add(list, stale);
  runtime.add(other, stale);  // another network's attachment is never touched
  auto errors = runtime.gc(list, {{"ctr1", "eth0"}});
  CHECK(errors.empty());
  CHECK(p.log() == "a ADD\na ADD\na ADD\na DEL\na GC\n");
  CHECK(p.env("a", "DEL").find("CNI_CONTAINERID=ctr2\n") != std::string::npos);
  CHECK(p.env("a", "DEL").find("CNI_NETNS=/var/run/netns/stale\n") != std::string::npos);
  auto gc = p.input("a", "GC");
  json expect = json::parse(R"([{"containerID":"ctr1","ifname":"eth0"}])");
  CHECK(gc["cni.dev/valid-attachments"] == expect);
  CHECK(gc["cni.dev/attachments"] == expect);
  CHECK(gc["name"] == "g");
  CHECK(test::list_dir(cache / "results") == std::vector<std::string>{"g-ctr1-eth0", "h-ctr2-eth0"});

  auto disabled = cni::NetConfList::from_bytes(R"({"cniVersion":"1.1.0","name":"g","disableGC":true,"plugins":[{"type":"a"}]})");
  CHECK(runtime.gc(disabled, {}).empty());
  CHECK(test::list_dir(cache / "results").size() == 2);
}

TEST_CASE("STATUS stops at the first failing plugin, VERSION probes every plugin", "[runtime][chain]") {
  FakePlugins p;
  p.add("a", kResultA);
  p.add("down", "", R"({"code":50,"msg":"plugin not available"})");
  p.add("c", kResultA);
  auto list = cni::NetConfList::from_bytes(R"({"cniVersion":"1.1.0","name":"s","plugins":[{"type":"a"},{"type":"down"},{"type":"c"}]})");
  cni::Runtime runtime({p.dir.path}, "");
  try {
    runtime.status(list);
    FAIL("STATUS must fail");
  } catch (const cni::RuntimeError& e) {
    CHECK(e.code() == cni::kPluginNotAvailable);
    CHECK(e.plugin_type() == "down");
  }
  CHECK(p.log() == "a STATUS\ndown STATUS\n");
  auto old = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"s","plugins":[{"type":"down"}]})");
  runtime.status(old);  // below 1.1.0 STATUS is a no-op

  auto versions = runtime.versions(list);
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].supports("1.1.0"));
  CHECK(runtime.validate(list).empty());
  auto ancient = cni::NetConfList::from_bytes(R"({"cniVersion":"0.3.1","name":"s","plugins":[{"type":"a"},{"type":"gone"}]})");
  CHECK_THROWS_AS(runtime.validate(ancient), cni::Error);
}
