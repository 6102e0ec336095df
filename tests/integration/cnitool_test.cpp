// Our cnitool driving the reference plugins (and ours where built) in a conflist, inside test
// namespaces: a "host" namespace where the bridge lives and a container namespace. Also the
// cache interop with the reference libcni, emulated: a DEL done the way libcni reads our
// cache file, and our DEL from a cache file written the way libcni writes it.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cni/base/encoding.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {

std::string cnitool() { return test::ours("cnitool"); }

// A plugin directory: reference binaries by default, ours for the names in `ours` when
// built, and a "dump" plugin that saves its stdin per verb and passes prevResult through.
struct PluginDir {
  test::TempDir dir;
  std::string dumps;
  explicit PluginDir(const std::vector<std::string>& ours = {}) : dumps(dir / "dumps") {
    mkdir(dumps.c_str(), 0755);
    for (std::string name : {"bridge", "host-local", "tuning", "portmap", "loopback"}) {
      bool use_ours = std::find(ours.begin(), ours.end(), name) != ours.end();
      if (use_ours) REQUIRE(access(test::ours(name).c_str(), X_OK) == 0);
      REQUIRE(symlink((use_ours ? test::ours(name) : test::reference(name)).c_str(), (dir / name).c_str()) == 0);
    }
    test::write_file(dir / "dump",
                     "#!/bin/sh\n"
                     "cat > " + dumps + "/$CNI_COMMAND.json\n"
                     "case \"$CNI_COMMAND\" in\n"
                     "VERSION) echo '{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}';;\n"
                     "ADD) python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[\"prevResult\"]))' " +
                         dumps + "/ADD.json;;\n"
                     "esac\n");
    chmod((dir / "dump").c_str(), 0755);
  }
  json dump(const std::string& verb) const { return json::parse(test::read_file(dumps + "/" + verb + ".json")); }
};

// The host side of the test: a namespace in which cnitool runs, so the bridge and its
// gateway address never touch the real host.
struct Setup {
  test::TestNetns host{"ch"};
  test::TestNetns ctr{"cc"};
  test::TempDir conf, cache, ipam;
  std::string bridge = test::unique_name("br");
  PluginDir plugins;
  explicit Setup(const std::vector<std::string>& ours = {}) : plugins(ours) {}

  void write_conflist(const std::string& net, const std::string& subnet, bool with_dump = true) {
    json list = json::parse(R"({"cniVersion":"1.0.0","plugins":[]})");
    list["name"] = net;
    list["plugins"].push_back({{"type", "bridge"}, {"bridge", bridge}, {"isGateway", true},
                               {"ipam", {{"type", "host-local"}, {"subnet", subnet}, {"dataDir", ipam.path}}}});
    list["plugins"].push_back({{"type", "tuning"}, {"capabilities", {{"mac", true}}}});
    if (with_dump) list["plugins"].push_back({{"type", "dump"}});
    test::write_file(conf / ("10-" + net + ".conflist"), list.dump(2));
  }

  test::RunResult tool(const std::vector<std::string>& args, const test::Env& extra = {}) const {
    test::Env env{{"NETCONFPATH", conf.path},
                  {"CNI_PATH", plugins.dir.path},
                  {"CNI_CACHE_DIR", cache.path},
                  {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
    for (const auto& [k, v] : extra) env[k] = v;
    std::vector<std::string> full{"netns", "exec", host.name, cnitool()};
    full.insert(full.end(), args.begin(), args.end());
    return test::run("/usr/bin/ip", env, "", full);
  }

  std::string container_id() const {
    return "cnitool-" + test::sh("printf %s " + ctr.path() + " | sha512sum").substr(0, 20);
  }
  std::string cache_file(const std::string& net) const {
    return cache / ("results/" + net + "-" + container_id() + "-eth0");
  }
  ~Setup() { test::sh("ip netns exec " + host.name + " ip link del " + bridge + " 2>/dev/null"); }
};

}  // namespace

TEST_CASE("cnitool add/check/del with reference bridge + host-local + tuning", "[cnitool]") {
  Setup s;
  s.write_conflist("ctnet", "10.233.11.0/24");
  auto add = s.tool({"add", "ctnet", s.ctr.path()}, {{"CAP_ARGS", R"({"mac":"02:42:0a:e9:0b:42"})"}});
  INFO(add.err);
  REQUIRE(add.rc == 0);
  auto result = add.json();
  CHECK(result["cniVersion"] == "1.0.0");
  CHECK(result["ips"][0]["address"] == "10.233.11.2/24");

  // Kernel state: the address, and the MAC that only runtimeConfig (from CAP_ARGS via the
  // declared "mac" capability) could have set.
  std::string link = s.ctr.exec("ip -o addr show dev eth0");
  CHECK(link.find("10.233.11.2/24") != std::string::npos);
  CHECK(s.ctr.exec("cat /sys/class/net/eth0/address") == "02:42:0a:e9:0b:42\n");
  CHECK(s.plugins.dump("ADD")["prevResult"]["ips"][0]["address"] == "10.233.11.2/24");

  // The cache file: named from sha512(netns) exactly as the reference cnitool names it.
  REQUIRE(access(s.cache_file("ctnet").c_str(), F_OK) == 0);
  auto cached = json::parse(test::read_file(s.cache_file("ctnet")));
  CHECK(cached["containerId"] == s.container_id());
  CHECK(cached["capabilityArgs"]["mac"] == "02:42:0a:e9:0b:42");

  auto check = s.tool({"check", "ctnet", s.ctr.path()});
  INFO(check.err);
  CHECK(check.rc == 0);
  CHECK(s.plugins.dump("CHECK")["prevResult"]["ips"][0]["address"] == "10.233.11.2/24");

  auto del = s.tool({"del", "ctnet", s.ctr.path()});
  INFO(del.err);
  REQUIRE(del.rc == 0);
  // DEL got the cached result as prevResult, the interface and lease are gone, and so is the cache.
  CHECK(s.plugins.dump("DEL")["prevResult"]["ips"][0]["address"] == "10.233.11.2/24");
  int rc = 0;
  s.ctr.exec("ip link show eth0 2>/dev/null", &rc);
  CHECK(rc != 0);
  CHECK(access(s.cache_file("ctnet").c_str(), F_OK) != 0);
  CHECK(access((s.ipam / "ctnet/10.233.11.2").c_str(), F_OK) != 0);
  // DEL again is fine.
  CHECK(s.tool({"del", "ctnet", s.ctr.path()}).rc == 0);
}

TEST_CASE("a plugin failure shows the plugin, code, message and details, --json too", "[cnitool]") {
  Setup s;
  // host-local refuses a range outside its subnet: the reference's own error must come through.
  json list = json::parse(R"({"cniVersion":"1.0.0","name":"badnet","plugins":[{"type":"bridge","ipam":
      {"type":"host-local","ranges":[[{"subnet":"10.233.12.0/24","rangeStart":"10.233.99.1"}]]}}]})");
  list["plugins"][0]["bridge"] = s.bridge;
  list["plugins"][0]["ipam"]["dataDir"] = s.ipam.path;
  test::write_file(s.conf / "10-bad.conflist", list.dump());
  auto r = s.tool({"--json", "add", "badnet", s.ctr.path()});
  CHECK(r.rc != 0);
  CHECK(r.err.find("plugin \"bridge\" failed (ADD)") != std::string::npos);
  CHECK(r.err.find("message: ") != std::string::npos);
  auto j = r.json();
  CHECK(j["plugin"] == "bridge");
  CHECK(j["code"].is_number());
  CHECK(j["msg"].get<std::string>().find("10.233.99.1") != std::string::npos);
  CHECK(access(s.cache_file("badnet").c_str(), F_OK) != 0);
  s.tool({"del", "badnet", s.ctr.path()});

  auto missing = s.tool({"add", "nosuchnet", s.ctr.path()});
  CHECK(missing.rc != 0);
  CHECK(missing.err.find("no net configuration with name \"nosuchnet\"") != std::string::npos);
}

TEST_CASE("cnitool list shows networks, plugins and their VERSION answers", "[cnitool]") {
  Setup s;
  s.write_conflist("listnet", "10.233.13.0/24");
  test::write_file(s.conf / "99-broken.conflist", "{not json");
  auto r = s.tool({"--json", "list"});
  INFO(r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  REQUIRE(j["networks"].size() == 1);
  CHECK(j["networks"][0]["name"] == "listnet");
  CHECK(j["networks"][0]["plugins"][0]["type"] == "bridge");
  CHECK(j["networks"][0]["plugins"][0]["supportsListVersion"] == true);
  CHECK(j["networks"][0]["plugins"][0]["supportedVersions"].size() >= 5);
  CHECK(j["broken"][0]["file"].get<std::string>().find("99-broken") != std::string::npos);
  auto human = s.tool({"list"});
  CHECK(human.out.find("listnet") != std::string::npos);
  CHECK(human.out.find("tuning: ") != std::string::npos);
}

TEST_CASE("reference-libcni-style DEL from our cache file", "[cnitool][interop]") {
  Setup s;
  s.write_conflist("xnet", "10.233.14.0/24", false);
  auto add = s.tool({"add", "xnet", s.ctr.path()});
  INFO(add.err);
  REQUIRE(add.rc == 0);
  REQUIRE(access((s.ipam / "xnet/10.233.14.2").c_str(), F_OK) == 0);

  // What libcni's DelNetworkList does with a cache file: base64 config -> list, result ->
  // prevResult, plugins in reverse with name/cniVersion injected.
  auto cached = json::parse(test::read_file(s.cache_file("xnet")));
  auto list = json::parse(cni::base64_decode(cached["config"].get<std::string>()));
  CHECK(list["name"] == "xnet");
  auto plugins = list["plugins"];
  for (auto it = plugins.rbegin(); it != plugins.rend(); ++it) {
    json conf = *it;
    conf["name"] = list["name"];
    conf["cniVersion"] = list["cniVersion"];
    conf["prevResult"] = cached["result"];
    auto env = test::cni_env("DEL", cached["containerId"], cached["netns"], cached["ifName"], s.plugins.dir.path);
    auto r = test::run("/usr/bin/ip", env, conf.dump(),
                       {"netns", "exec", s.host.name, test::reference(conf["type"].get<std::string>())});
    INFO(conf["type"] << ": " << r.out << r.err);
    CHECK(r.rc == 0);
  }
  int rc = 0;
  s.ctr.exec("ip link show eth0 2>/dev/null", &rc);
  CHECK(rc != 0);
  CHECK(access((s.ipam / "xnet/10.233.14.2").c_str(), F_OK) != 0);
}

TEST_CASE("our DEL from a cache file written the way reference libcni writes it", "[cnitool][interop]") {
  Setup s;
  s.write_conflist("ynet", "10.233.15.0/24");
  std::string bytes = test::read_file(s.conf / "10-ynet.conflist");
  auto list = json::parse(bytes);
  std::string cid = s.container_id();

  // ADD done by "another runtime": the reference plugins directly, in order.
  json prev;
  for (const auto& p : list["plugins"]) {
    json conf = p;
    conf["name"] = "ynet";
    conf["cniVersion"] = "1.0.0";
    if (!prev.is_null()) conf["prevResult"] = prev;
    auto env = test::cni_env("ADD", cid, s.ctr.path(), "eth0", s.plugins.dir.path);
    auto r = test::run("/usr/bin/ip", env, conf.dump(),
                       {"netns", "exec", s.host.name, s.plugins.dir / p["type"].get<std::string>()});
    INFO(r.err);
    REQUIRE(r.rc == 0);
    prev = r.json();
  }
  // The file libcni v1.1.2 writes: Go struct order, base64 []byte, sorted map keys, no netns.
  json::object_t result = prev;
  std::string file = std::string(R"({"kind":"cniCacheV1","containerId":")") + cid + R"(","config":")" +
                     cni::base64_encode(bytes) + R"(","ifName":"eth0","networkName":"ynet","result":)" +
                     json(result).dump() + "}";
  test::sh("mkdir -p -m 0700 " + s.cache / "results");
  test::write_file(s.cache_file("ynet"), file);

  auto del = s.tool({"del", "ynet", s.ctr.path()});
  INFO(del.err);
  REQUIRE(del.rc == 0);
  CHECK(s.plugins.dump("DEL")["prevResult"]["ips"][0]["address"] == "10.233.15.2/24");
  CHECK(access(s.cache_file("ynet").c_str(), F_OK) != 0);
  CHECK(access((s.ipam / "ynet/10.233.15.2").c_str(), F_OK) != 0);
}

TEST_CASE("cnitool gc removes stale attachments, a torn cache file does not block del", "[cnitool]") {
  Setup s;
  s.write_conflist("gnet", "10.233.16.0/24", false);
  // GC needs 1.1.0 for the plugin GC step; the reference v1.1.1 plugins stop at 1.0.0, so
  // this exercises the cached-attachment DEL half, which runs at any version.
  REQUIRE(s.tool({"add", "gnet", s.ctr.path()}).rc == 0);
  REQUIRE(access(s.cache_file("gnet").c_str(), F_OK) == 0);
  auto gc = s.tool({"gc", "gnet"});
  INFO(gc.err);
  CHECK(gc.rc == 0);
  CHECK(access(s.cache_file("gnet").c_str(), F_OK) != 0);
  CHECK(access((s.ipam / "gnet/10.233.16.2").c_str(), F_OK) != 0);
  int rc = 0;
  s.ctr.exec("ip link show eth0 2>/dev/null", &rc);
  CHECK(rc != 0);

  // --valid keeps an attachment.
  REQUIRE(s.tool({"add", "gnet", s.ctr.path()}).rc == 0);
  CHECK(s.tool({"gc", "gnet", "--valid", s.container_id() + ":eth0"}).rc == 0);
  CHECK(access(s.cache_file("gnet").c_str(), F_OK) == 0);

  test::write_file(s.cache_file("gnet"), "{\"kind\":\"cniCacheV1\",\"resu");
  auto del = s.tool({"del", "gnet", s.ctr.path()});
  INFO(del.err);
  CHECK(del.rc == 0);
  CHECK(access(s.cache_file("gnet").c_str(), F_OK) != 0);
  CHECK(access((s.ipam / "gnet/10.233.16.2").c_str(), F_OK) != 0);
}

TEST_CASE("mixed chain: our host-local under the reference bridge via cnitool", "[cnitool][mixed]") {
  Setup s({"host-local"});
  s.write_conflist("mnet", "10.233.17.0/24");
  auto add = s.tool({"add", "mnet", s.ctr.path()});
  INFO(add.err);
  REQUIRE(add.rc == 0);
  CHECK(add.json()["ips"][0]["address"] == "10.233.17.2/24");
  CHECK(access((s.ipam / "mnet/10.233.17.2").c_str(), F_OK) == 0);
  CHECK(s.tool({"check", "mnet", s.ctr.path()}).rc == 0);
  REQUIRE(s.tool({"del", "mnet", s.ctr.path()}).rc == 0);
  CHECK(access((s.ipam / "mnet/10.233.17.2").c_str(), F_OK) != 0);
}

TEST_CASE("mixed chain: our bridge and host-local with the reference tuning via cnitool", "[cnitool][mixed]") {
  Setup s({"bridge", "host-local"});
  s.write_conflist("onet", "10.233.18.0/24");
  auto add = s.tool({"add", "onet", s.ctr.path()}, {{"CAP_ARGS", R"({"mac":"02:42:0a:e9:12:42"})"}});
  INFO(add.err);
  REQUIRE(add.rc == 0);
  auto r = add.json();
  CHECK(r["ips"][0]["address"] == "10.233.18.2/24");
  CHECK(r["interfaces"].size() == 3);  // ours: bridge, host veth, container
  // The reference tuning, after our bridge, set the MAC from runtimeConfig.
  CHECK(s.ctr.exec("cat /sys/class/net/eth0/address") == "02:42:0a:e9:12:42\n");
  CHECK(s.plugins.dump("ADD")["prevResult"]["interfaces"][2]["sandbox"] == s.ctr.path());
  auto check = s.tool({"check", "onet", s.ctr.path()});
  INFO(check.err);
  CHECK(check.rc == 0);
  REQUIRE(s.tool({"del", "onet", s.ctr.path()}).rc == 0);
  int rc = 0;
  s.ctr.exec("ip link show eth0 2>/dev/null", &rc);
  CHECK(rc != 0);
  CHECK(access((s.ipam / "onet/10.233.18.2").c_str(), F_OK) != 0);
  CHECK(access(s.cache_file("onet").c_str(), F_OK) != 0);
}
