#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "cni/runtime/netconf_list.hpp"
#include "cni/runtime/runtime.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {
int code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const cni::Error& e) {
    return e.code();
  }
  return 0;
}
}  // namespace

TEST_CASE("conflists load in lexical order and the first matching name wins", "[runtime][conflist]") {
  test::TempDir dir;
  test::write_file(dir / "20-b.conflist", R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"second"}]})");
  test::write_file(dir / "10-a.conflist", R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"first"}]})");
  test::write_file(dir / "05-other.conflist", R"({"cniVersion":"1.0.0","name":"other","plugins":[{"type":"x"}]})");
  test::write_file(dir / "00-legacy.conf", R"({"cniVersion":"1.0.0","name":"net","type":"legacy"})");
  auto list = cni::load_conf_list(dir.path, "net");
  REQUIRE(list.plugins.size() == 1);
  CHECK(list.plugins[0].type == "first");
  CHECK(list.source == dir / "10-a.conflist");
  // The raw bytes are kept exactly: the cache stores them.
  CHECK(list.bytes == test::read_file(dir / "10-a.conflist"));
  CHECK(cni::load_conf_list(dir.path, "other").plugins[0].type == "x");
  CHECK(code_of([&] { cni::load_conf_list(dir.path, "missing"); }) == cni::kInvalidNetworkConfig);
}

TEST_CASE("a legacy .conf/.json is upgraded to a one-plugin list", "[runtime][conflist]") {
  test::TempDir dir;
  test::write_file(dir / "10-x.json", R"({"cniVersion":"0.4.0","name":"other","type":"nope"})");
  test::write_file(dir / "20-single.conf",
                   R"({"cniVersion":"0.3.1","name":"single","type":"bridge","bridge":"br9","ipam":{"type":"host-local"}})");
  auto list = cni::load_conf_list(dir.path, "single");
  CHECK(list.name == "single");
  CHECK(list.cni_version == "0.3.1");
  REQUIRE(list.plugins.size() == 1);
  CHECK(list.plugins[0].type == "bridge");
  CHECK(list.plugins[0].raw["bridge"] == "br9");
  // ConfListFromConf: the list bytes are the regenerated list document.
  auto doc = json::parse(list.bytes);
  CHECK(doc["name"] == "single");
  CHECK(doc["cniVersion"] == "0.3.1");
  CHECK(doc["plugins"][0]["ipam"]["type"] == "host-local");
}

TEST_CASE("cniVersions picks the highest version we support, at most 1.1.0", "[runtime][conflist]") {
  auto ver = [](const std::string& extra) {
    return cni::NetConfList::from_bytes(R"({"name":"n",)" + extra + R"(,"plugins":[{"type":"t"}]})").cni_version;
  };
  CHECK(ver(R"("cniVersion":"0.4.0","cniVersions":["1.0.0","0.3.1"])") == "1.0.0");
  CHECK(ver(R"("cniVersions":["0.4.0","1.1.0","2.0.0"])") == "1.1.0");
  CHECK(ver(R"("cniVersion":"1.0.0","cniVersions":["9.9.9"])") == "1.0.0");
  CHECK(ver(R"("cniVersion":"0.3.1")") == "0.3.1");
  CHECK(ver(R"("x":1)") == "0.1.0");
  CHECK(code_of([&] { ver(R"("cniVersions":["banana"])"); }) == cni::kInvalidNetworkConfig);
  CHECK(code_of([&] { ver(R"("cniVersions":["2.0.0"])"); }) == cni::kIncompatibleVersion);
  CHECK(code_of([&] { ver(R"("cniVersion":"0.5.0")"); }) == cni::kIncompatibleVersion);
}

TEST_CASE("disableCheck and disableGC accept bools and true/false strings in any case", "[runtime][conflist]") {
  auto parse = [](const std::string& extra) {
    return cni::NetConfList::from_bytes(R"({"cniVersion":"1.1.0","name":"n",)" + extra +
                                        R"(,"plugins":[{"type":"t"}]})");
  };
  CHECK(parse(R"("disableCheck":true)").disable_check);
  CHECK(parse(R"("disableCheck":"TRUE")").disable_check);
  CHECK(parse(R"("disableCheck":"True","disableGC":"tRuE")").disable_gc);
  CHECK_FALSE(parse(R"("disableCheck":"false")").disable_check);
  CHECK_FALSE(parse(R"("disableGC":false)").disable_gc);
  CHECK(code_of([&] { parse(R"("disableCheck":"yes")"); }) == cni::kInvalidNetworkConfig);
  CHECK(code_of([&] { parse(R"("disableCheck":1)"); }) == cni::kInvalidNetworkConfig);
}

TEST_CASE("invalid lists are refused with clear codes", "[runtime][conflist]") {
  auto code = [](const std::string& doc) { return code_of([&] { cni::NetConfList::from_bytes(doc); }); };
  CHECK(code(R"({"cniVersion":"1.0.0","name":"bad/name","plugins":[{"type":"t"}]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"..","plugins":[{"type":"t"}]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"-x","plugins":[{"type":"t"}]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","plugins":[{"type":"t"}]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"n","plugins":[]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"n"})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../bin/sh"}]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"ipam":{}}]})") == cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"t","capabilities":{"mac":"yes"}}]})") ==
        cni::kInvalidNetworkConfig);
  CHECK(code(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"t"}])") == cni::kDecodingFailure);
}

TEST_CASE("sibling <dir>/<name>/*.conf plugins are appended unless loadOnlyInlinedPlugins", "[runtime][conflist]") {
  test::TempDir dir;
  mkdir((dir / "net").c_str(), 0755);
  test::write_file(dir / "net/20-b.conf", R"({"type":"sib-b"})");
  test::write_file(dir / "net/10-a.conf", R"({"type":"sib-a"})");
  test::write_file(dir / "10.conflist", R"({"cniVersion":"1.1.0","name":"net","plugins":[{"type":"inline"}]})");
  auto list = cni::load_conf_list(dir.path, "net");
  REQUIRE(list.plugins.size() == 3);
  CHECK(list.plugins[0].type == "inline");
  CHECK(list.plugins[1].type == "sib-a");
  CHECK(list.plugins[2].type == "sib-b");

  test::write_file(dir / "10.conflist",
                   R"({"cniVersion":"1.1.0","name":"net","loadOnlyInlinedPlugins":true,"plugins":[{"type":"inline"}]})");
  CHECK(cni::load_conf_list(dir.path, "net").plugins.size() == 1);

  // Without a "plugins" key the sibling files are the whole chain.
  test::write_file(dir / "10.conflist", R"({"cniVersion":"1.1.0","name":"net"})");
  CHECK(cni::load_conf_list(dir.path, "net").plugins.size() == 2);
}

TEST_CASE("runtimeConfig carries only the capabilities a plugin declares true", "[runtime][capabilities]") {
  auto list = cni::NetConfList::from_bytes(R"({"cniVersion":"1.0.0","name":"net","plugins":[
      {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false},"runtimeConfig":{"old":1}},
      {"type":"plain","runtimeConfig":{"kept":true}}]})");
  json caps = json::parse(R"({"portMappings":[{"hostPort":8080,"containerPort":80}],"bandwidth":{"rate":1},"mac":"x"})");
  json prev = json::parse(R"({"cniVersion":"1.0.0","ips":[]})");

  auto pm = cni::build_plugin_config(list, list.plugins[0], &prev, caps);
  CHECK(pm["name"] == "net");
  CHECK(pm["cniVersion"] == "1.0.0");
  CHECK(pm["prevResult"] == prev);
  // Replaced, not merged: "old" is gone, bandwidth is declared false, mac is not declared.
  CHECK(pm["runtimeConfig"] == json::parse(R"({"portMappings":[{"hostPort":8080,"containerPort":80}]})"));
  CHECK(pm["capabilities"]["portMappings"] == true);  // libcni leaves capabilities in place

  // Nothing matched: the file's own runtimeConfig stays and no prevResult is added.
  auto plain = cni::build_plugin_config(list, list.plugins[1], nullptr, caps);
  CHECK(plain["runtimeConfig"] == json::parse(R"({"kept":true})"));
  CHECK_FALSE(plain.contains("prevResult"));
  CHECK(list.capabilities() == std::vector<std::string>{"portMappings"});
}
