#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "cni/runtime/cache.hpp"
#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"

using nlohmann::json;

namespace {
cni::CacheEntry sample() {
  cni::CacheEntry e;
  e.container_id = "abc123";
  e.config = R"({"cniVersion":"1.0.0","name":"net","plugins":[{"type":"bridge"}]})" "\n";
  e.ifname = "eth0";
  e.network_name = "net";
  e.netns = "/var/run/netns/x";
  e.cni_args = {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "p"}};
  e.capability_args = json::parse(R"({"portMappings":[{"hostPort":80}]})");
  e.result = json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.230.0.2/24"}]})");
  return e;
}
}  // namespace

TEST_CASE("cache files use libcni's path, modes and JSON layout", "[runtime][cache]") {
  test::TempDir dir;
  cni::ResultCache cache(dir / "cni");
  cache.write(sample());
  std::string path = dir / "cni/results/net-abc123-eth0";
  CHECK(cache.path_for("net", "abc123", "eth0") == path);
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat((dir / "cni/results").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(test::list_dir(dir / "cni/results") == std::vector<std::string>{"net-abc123-eth0"});  // no temp file left

  // The layout a reference libcni reads: field names, base64 config, [[k,v]] args.
  auto j = json::parse(test::read_file(path));
  CHECK(j["kind"] == "cniCacheV1");
  CHECK(j["containerId"] == "abc123");
  CHECK(j["ifName"] == "eth0");
  CHECK(j["networkName"] == "net");
  CHECK(j["netns"] == "/var/run/netns/x");
  CHECK(cni::base64_decode(j["config"].get<std::string>()) == sample().config);
  CHECK(j["cniArgs"] == json::parse(R"([["IgnoreUnknown","1"],["K8S_POD_NAME","p"]])"));
  CHECK(j["capabilityArgs"]["portMappings"][0]["hostPort"] == 80);
  CHECK(j["result"]["ips"][0]["address"] == "10.230.0.2/24");
  // The first keys in Go's struct order, so the files diff cleanly against libcni's.
  CHECK(test::read_file(path).rfind(R"({"kind":"cniCacheV1","containerId":"abc123","config":")", 0) == 0);
}

TEST_CASE("cache entries round-trip and empty fields are omitted as Go's omitempty does", "[runtime][cache]") {
  test::TempDir dir;
  cni::ResultCache cache(dir.path);
  cache.write(sample());
  auto back = cache.read("net", "abc123", "eth0");
  REQUIRE(back);
  CHECK(back->config == sample().config);
  CHECK(back->cni_args == sample().cni_args);
  CHECK(back->capability_args == sample().capability_args);
  CHECK(back->result == sample().result);
  CHECK(back->netns == "/var/run/netns/x");

  cni::CacheEntry bare = sample();
  bare.container_id = "bare";
  bare.netns.clear();
  bare.cni_args.clear();
  bare.capability_args = json::object();
  cache.write(bare);
  auto j = json::parse(test::read_file(cache.path_for("net", "bare", "eth0")));
  CHECK_FALSE(j.contains("netns"));
  CHECK_FALSE(j.contains("cniArgs"));
  CHECK_FALSE(j.contains("capabilityArgs"));

  CHECK(cache.list().size() == 2);
  cache.remove("net", "bare", "eth0");
  cache.remove("net", "bare", "eth0");  // removing twice is fine (DEL must be repeatable)
  CHECK_FALSE(cache.read("net", "bare", "eth0"));
}

TEST_CASE("a torn, empty or foreign cache file reads as a decoding error, not as no file", "[runtime][cache]") {
  test::TempDir dir;
  cni::ResultCache cache(dir.path);
  mkdir((dir / "results").c_str(), 0700);
  for (std::string content : {std::string(""), std::string(R"({"kind":"cniCacheV1","contain)"),
                              std::string(R"({"kind":"somethingElse"})"), std::string(R"({"kind":"cniCacheV1","config":"%%%"})"),
                              std::string(R"({"kind":6666666666666})")}) {
    test::write_file(dir / "results/net-c1-eth0", content);
    INFO(content);
    try {
      cache.read("net", "c1", "eth0");
      FAIL("expected an error");
    } catch (const cni::Error& e) {
      CHECK(e.code() == cni::kDecodingFailure);
    }
    CHECK(cache.list().empty());  // unusable files are not attachments
  }
  CHECK_THROWS_AS(cache.path_for("net", "", "eth0"), cni::Error);
}
