// The plugin skeleton through a real binary (host-local, the simplest plugin): the reference
// skeleton's validation order, VERSION, the by-hand banner, and error JSON on stdout.
#include <catch2/catch.hpp>

#include "harness.hpp"

using nlohmann::json;

namespace {
const std::string kConf =
    R"({"cniVersion":"1.0.0","name":"skel","ipam":{"type":"host-local","dataDir":"/nonexistent-cnipp","subnet":"10.246.0.0/24"}})";

test::RunResult call(const test::Env& env, const std::string& stdin_data = kConf) {
  return test::run(test::ours("host-local"), env, stdin_data);
}
int code_of(const test::RunResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.rc != 0);
  return r.json()["code"].get<int>();
}
}  // namespace

TEST_CASE("skel: run by hand without CNI_COMMAND prints name, version and spec versions", "[skel]") {
  auto r = call({{"PATH", "/usr/bin:/bin"}}, "");
  CHECK(r.rc == 0);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("CNI host-local plugin"));
  CHECK_THAT(r.err, Catch::Contains("0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0"));
}

TEST_CASE("skel: VERSION answers with the input version and every supported version", "[skel]") {
  auto r = call({{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion":"0.4.0"})");
  REQUIRE(r.rc == 0);
  CHECK(r.out == R"({"cniVersion":"0.4.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]})"
                 "\n");
  auto none = call({{"CNI_COMMAND", "VERSION"}}, "");
  REQUIRE(none.rc == 0);
  CHECK(none.json()["cniVersion"] == "1.1.0");
}

TEST_CASE("skel: missing variables are code 4 and name every one", "[skel]") {
  auto r = call({{"CNI_COMMAND", "ADD"}});
  CHECK(code_of(r) == 4);
  CHECK(r.json()["msg"] == "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing");
}

TEST_CASE("skel: the config is validated before the command, as the reference does", "[skel]") {
  auto env = test::cni_env("FOO", "c", "/dev/null");
  CHECK(code_of(call(env, "{}")) == 7);          // missing name first
  CHECK(code_of(call(env, "{nope")) == 6);       // undecodable
  CHECK(code_of(call(env)) == 4);                // then: unknown CNI_COMMAND
  CHECK_THAT(call(env).json()["msg"].get<std::string>(), Catch::Contains("unknown CNI_COMMAND: FOO"));
}

TEST_CASE("skel: verbs gated by the config version", "[skel]") {
  auto check = test::cni_env("CHECK", "c", "/dev/null");
  auto old = R"({"cniVersion":"0.3.1","name":"skel","ipam":{"type":"host-local","subnet":"10.246.0.0/24"}})";
  auto r = call(check, old);
  CHECK(code_of(r) == 1);
  CHECK(r.json()["cniVersion"] == "0.3.1");  // errors carry the config's version
  auto gc = test::Env{{"CNI_COMMAND", "GC"}, {"CNI_PATH", test::bin_dir()}};
  CHECK(code_of(call(gc)) == 1);  // 1.0.0 config: no GC
  auto status = test::Env{{"CNI_COMMAND", "STATUS"}, {"CNI_PATH", test::bin_dir()}};
  CHECK(code_of(call(status)) == 1);  // nor STATUS
  test::TempDir dir;
  auto v11 = R"({"cniVersion":"1.1.0","name":"skel","ipam":{"type":"host-local","dataDir":")" + dir.path +
             R"(","subnet":"10.246.0.0/24"}})";
  auto gc_ok = call(gc, v11);
  INFO(gc_ok.out << gc_ok.err);
  CHECK(gc_ok.rc == 0);
  CHECK(call(status, v11).rc == 0);
  auto bad = call(test::cni_env("ADD", "c", "/dev/null"),
                  R"({"cniVersion":"0.9.0","name":"skel","ipam":{"type":"host-local","subnet":"10.246.0.0/24"}})");
  CHECK(code_of(bad) == 1);
  CHECK_THAT(bad.json()["details"].get<std::string>(), Catch::Contains("plugin supports [0.1.0, 0.2.0"));
}

TEST_CASE("skel: CNI_NETNS naming the plugin's own namespace is code 8 unless overridden", "[skel]") {
  test::TempDir dir;
  auto conf = R"({"cniVersion":"1.0.0","name":"skel","ipam":{"type":"host-local","dataDir":")" + dir.path +
              R"(","subnet":"10.246.0.0/24"}})";
  auto env = test::cni_env("ADD", "c", "/proc/self/ns/net");
  auto r = call(env, conf);
  CHECK(code_of(r) == 8);
  CHECK(test::list_dir(dir.path).empty());  // refused before anything was written
  env["CNI_NETNS_OVERRIDE"] = "1";
  CHECK(call(env, conf).rc == 0);
}

TEST_CASE("skel: hostile names are refused before any path exists", "[skel]") {
  test::TempDir dir;
  auto conf = [&](const std::string& name) {
    return R"({"cniVersion":"1.0.0","name":")" + name + R"(","ipam":{"type":"host-local","dataDir":")" + dir.path +
           R"(","subnet":"10.246.0.0/24"}})";
  };
  CHECK(code_of(call(test::cni_env("ADD", "../../x", "/dev/null"), conf("ok"))) == 4);
  CHECK(code_of(call(test::cni_env("ADD", "a\nb", "/dev/null"), conf("ok"))) == 4);
  CHECK(code_of(call(test::cni_env("ADD", std::string(300, 'a') + "/", "/dev/null"), conf("ok"))) == 4);
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null", "a/b"), conf("ok"))) == 4);
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null", "eth0\n"), conf("ok"))) == 4);
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null"), conf("../etc"))) == 7);
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null"), conf("a\\nb"))) == 7);
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null"), conf(".."))) == 7);
  // Oversized and deeply nested input: refused (code 6) in bounded time and memory.
  std::string deep(200000, '[');
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null"), deep)) == 6);
  std::string huge = R"({"name":"x","pad":")" + std::string(10 * 1024 * 1024, 'a') + R"("})";
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null"), huge)) == 6);
  CHECK(code_of(call(test::cni_env("ADD", "c", "/dev/null"), R"({"name":"x","name":"y"})")) == 6);
  CHECK(test::list_dir(dir.path).empty());
}
