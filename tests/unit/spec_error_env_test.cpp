#include <catch2/catch.hpp>

#include "cni/spec/config.hpp"
#include "cni/spec/env.hpp"
#include "cni/base/error.hpp"
#include "cni/spec/skel.hpp"

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

TEST_CASE("errors print as the spec's JSON", "[error]") {
  cni::Error e(cni::kInvalidNetworkConfig, "bad thing", "more");
  auto j = e.to_json("1.0.0");
  CHECK(j["cniVersion"] == "1.0.0");
  CHECK(j["code"] == 7);
  CHECK(j["msg"] == "bad thing");
  CHECK(j["details"] == "more");
  CHECK_FALSE(cni::Error(5, "x").to_json().contains("details"));
  CHECK_FALSE(cni::Error(5, "x").to_json().contains("cniVersion"));
  auto back = cni::Error::from_json(j);
  CHECK(back.code() == 7);
  CHECK(back.msg() == "bad thing");
  CHECK(back.details() == "more");
  // A plugin's error with fields of the wrong type keeps its code; the odd fields are dropped.
  auto odd = cni::Error::from_json(json::parse(R"({"code":7,"msg":5,"details":["x"]})"));
  CHECK(odd.code() == 7);
  CHECK(odd.msg().empty());
  CHECK(odd.details().empty());
  CHECK(code_of([] { cni::Error::from_json(json::parse(R"({"code":"7"})")); }) == cni::kDecodingFailure);
  CHECK(cni::io_error("open x", ENOENT).code() == cni::kIoFailure);
  CHECK_THAT(cni::io_error("open x", ENOENT).msg(), Catch::Contains("No such file"));
}

TEST_CASE("required env variables per verb", "[env]") {
  cni::Env env;
  env.command = "ADD";
  try {
    cni::check_required_env(env);
    FAIL("expected an error");
  } catch (const cni::Error& e) {
    CHECK(e.code() == cni::kInvalidEnvironment);
    CHECK(e.msg() == "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME,CNI_PATH] missing");
  }
  env.command = "DEL";
  env.container_id = "c";
  env.ifname = "eth0";
  env.path = "/opt/cni/bin";
  CHECK_NOTHROW(cni::check_required_env(env));  // DEL needs no netns
  env.command = "VERSION";
  env = cni::Env{};
  env.command = "VERSION";
  CHECK_NOTHROW(cni::check_required_env(env));
  env.command = "GC";
  CHECK(code_of([&] { cni::check_required_env(env); }) == cni::kInvalidEnvironment);
}

TEST_CASE("container ID and ifname rules", "[env]") {
  CHECK_NOTHROW(cni::validate_container_id("3f2a0c1e-5c2b-4f58-9b1f-0c51d1e0a1b2"));
  CHECK_NOTHROW(cni::validate_container_id("a_b.c-d"));
  CHECK(code_of([] { cni::validate_container_id(""); }) == cni::kUnknownContainer);
  CHECK(code_of([] { cni::validate_container_id("../etc"); }) == cni::kInvalidEnvironment);
  CHECK(code_of([] { cni::validate_container_id("a/b"); }) == cni::kInvalidEnvironment);
  CHECK(code_of([] { cni::validate_container_id(".hidden"); }) == cni::kInvalidEnvironment);
  CHECK(code_of([] { cni::validate_container_id("a\nb"); }) == cni::kInvalidEnvironment);
  CHECK(code_of([] { cni::validate_container_id(std::string("a\0b", 3)); }) == cni::kInvalidEnvironment);

  CHECK_NOTHROW(cni::validate_ifname("eth0"));
  CHECK_NOTHROW(cni::validate_ifname("abcdefghijklmno"));  // 15
  CHECK(code_of([] { cni::validate_ifname("abcdefghijklmnop"); }) == cni::kInvalidEnvironment);
  for (const char* bad : {".", "..", "a/b", "a:b", "a b", "a\tb", ""})
    CHECK(code_of([&] { cni::validate_ifname(bad); }) == cni::kInvalidEnvironment);
}

TEST_CASE("network name pattern", "[config]") {
  CHECK_NOTHROW(cni::validate_network_name("mesos-cni0.net_1"));
  for (const char* bad : {"", "..", "a/b", "-a", "a b", "a\nb"})
    CHECK(code_of([&] { cni::validate_network_name(bad); }) == cni::kInvalidNetworkConfig);
}

TEST_CASE("CNI_ARGS parsing with IgnoreUnknown", "[env]") {
  auto a = cni::CniArgs::parse("IP=10.0.0.5;MAC=aa:bb:cc:dd:ee:ff", {"IP", "MAC"});
  CHECK(a.get("IP") == "10.0.0.5");
  CHECK(a.get("MAC") == "aa:bb:cc:dd:ee:ff");
  CHECK_FALSE(a.get("ip"));
  CHECK(code_of([] { cni::CniArgs::parse("FOO=1", {"IP"}); }) == cni::kInvalidEnvironment);
  CHECK(code_of([] { cni::CniArgs::parse("ip=1", {"IP"}); }) == cni::kInvalidEnvironment);  // case-sensitive
  auto b = cni::CniArgs::parse("IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.0.0.6", {"IP"});
  CHECK(b.get("IP") == "10.0.0.6");
  CHECK_NOTHROW(cni::CniArgs::parse("IgnoreUnknown=true;FOO=1", {}));
  CHECK(code_of([] { cni::CniArgs::parse("IP", {"IP"}); }) == cni::kInvalidEnvironment);
  CHECK(code_of([] { cni::CniArgs::parse("IP=1=2", {"IP"}); }) == cni::kInvalidEnvironment);
  CHECK_FALSE(cni::CniArgs::parse("", {"IP"}).get("IP"));
}

TEST_CASE("config parsing keeps unknown keys and defaults the version", "[config]") {
  auto c = cni::NetConf::parse(R"({"name":"n","type":"bridge","args":{"org.apache.mesos":{"network_info":{"name":"n"}}},
                                   "myRuntimeKey":{"a":1},"ipam":{"type":"host-local"}})");
  CHECK(c.cni_version == "0.1.0");
  CHECK(c.raw["myRuntimeKey"]["a"] == 1);
  CHECK(c.args["org.apache.mesos"]["network_info"]["name"] == "n");
  CHECK(c.ipam_type() == "host-local");
  CHECK(cni::NetConf::parse(R"({"name":"n","type":"t","cniVersion":"1.0.0"})").cni_version == "1.0.0");
}

TEST_CASE("config decode errors carry the right codes", "[config]") {
  CHECK(code_of([] { cni::NetConf::parse("{not json"); }) == cni::kDecodingFailure);
  CHECK(code_of([] { cni::NetConf::parse("[]"); }) == cni::kDecodingFailure);
  CHECK(code_of([] { cni::NetConf::parse(R"({"name":"a","name":"b"})"); }) == cni::kDecodingFailure);
  CHECK(code_of([] { cni::NetConf::parse(R"({"name":5})"); }) == cni::kInvalidNetworkConfig);
  CHECK(code_of([] { cni::NetConf::parse(R"({"name":"n","ipam":"x"})"); }) == cni::kInvalidNetworkConfig);
  CHECK(code_of([] { cni::NetConf::parse(R"({"name":"n","prevResult":{"ips":[{"address":"x"}]}})"); }) ==
        cni::kDecodingFailure);
  std::string deep(10000, '[');
  deep += std::string(10000, ']');
  CHECK(code_of([&] { cni::parse_json(deep); }) == cni::kDecodingFailure);
  std::string huge = "{\"name\":\"" + std::string(cni::kMaxConfigBytes, 'a') + "\"}";
  CHECK(code_of([&] { cni::parse_json(huge); }) == cni::kDecodingFailure);
  // brackets inside strings do not count as nesting
  std::string in_string = "{\"name\":\"" + std::string(1000, '[') + "\"}";
  CHECK_NOTHROW(cni::parse_json(in_string));
}

TEST_CASE("typed accessors reject wrong types and ranges", "[config]") {
  auto j = json::parse(R"({"mtu":1500,"big":99999999999,"f":1.5,"s":"x","b":true,"l":["a","b"]})");
  CHECK(cni::get_int(j, "mtu", 0, 65535) == 1500);
  CHECK_FALSE(cni::get_int(j, "missing", 0, 1));
  CHECK(code_of([&] { cni::get_int(j, "big", 0, 65535); }) == cni::kInvalidNetworkConfig);
  CHECK(code_of([&] { cni::get_int(j, "f", 0, 65535); }) == cni::kInvalidNetworkConfig);
  CHECK(code_of([&] { cni::get_int(j, "s", 0, 65535); }) == cni::kInvalidNetworkConfig);
  CHECK(cni::get_bool(j, "b", false));
  CHECK(code_of([&] { cni::get_bool(j, "s", false); }) == cni::kInvalidNetworkConfig);
  CHECK(cni::get_string_list(j, "l").size() == 2);
  CHECK(code_of([&] { cni::get_string_list(j, "s"); }) == cni::kInvalidNetworkConfig);
}

TEST_CASE("GC valid attachments, with the pre-rename key as fallback", "[skel]") {
  auto c = cni::NetConf::parse(R"({"name":"n","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"}]})");
  auto v = cni::valid_attachments(c);
  REQUIRE(v.size() == 1);
  CHECK(v[0] == cni::AttachmentId{"a", "eth0"});
  auto old = cni::NetConf::parse(R"({"name":"n","cni.dev/attachments":[{"containerID":"b","ifname":"eth1"}]})");
  CHECK(cni::valid_attachments(old).at(0).container_id == "b");
  CHECK(cni::valid_attachments(cni::NetConf::parse(R"({"name":"n"})")).empty());
}
