// Hostile configs on stdin: nesting at and beyond the depth bound, oversized documents,
// wrong types, duplicate keys, numbers out of range, bytes that are not UTF-8. Each is a
// clear error with the right code (6: cannot be decoded, 7: decoded but invalid), returned
// promptly as JSON with exit status 1, and nothing is created: host-local's dataDir is not
// even made, bridge creates no bridge. A config is the only way JSON reaches a plugin, so
// this is also where results (from resolv.conf) must come out as valid JSON.
#include <catch2/catch.hpp>
#include <filesystem>

#include "harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Sandbox {
  test::TempDir tmp;
  std::string data_dir = tmp / "data";

  json conf() const {
    return {{"cniVersion", "1.0.0"},
            {"name", "hostile"},
            {"ipam", {{"type", "host-local"}, {"dataDir", data_dir}, {"subnet", "10.246.2.0/24"}}}};
  }
  test::RunResult run(const std::string& plugin, const std::string& stdin_data) const {
    return test::run(test::ours(plugin), test::cni_env("ADD", "c1", "/dev/null", "eth0"), stdin_data);
  }
  void expect(const std::string& plugin, const std::string& stdin_data, int code) const {
    auto r = run(plugin, stdin_data);
    INFO(plugin << " stdin (first 200 bytes): " << stdin_data.substr(0, 200) << "\nrc=" << r.rc << " stdout=" << r.out
                << " stderr=" << r.err);
    CHECK(r.rc == 1);
    CHECK(r.json()["code"] == code);
    CHECK_FALSE(r.json()["msg"].get<std::string>().empty());
    CHECK_FALSE(fs::exists(data_dir));
  }
};

// {"x": [[...[0]...]]} whose deepest value sits `depth` containers down, the object included.
std::string nested(const Sandbox& s, int depth) {
  auto c = s.conf();
  c["x"] = "@";
  std::string text = c.dump();
  return text.replace(text.find("\"@\""), 3, std::string(depth - 1, '[') + "0" + std::string(depth - 1, ']'));
}

}  // namespace

TEST_CASE("hostile json: nesting is bounded at 64 levels, exactly", "[hostile]") {
  Sandbox s;
  s.expect("host-local", nested(s, 65), 6);
  s.expect("host-local", std::string(200000, '{'), 6);
  auto r = s.run("host-local", nested(s, 64));
  INFO(r.out << r.err);
  CHECK(r.rc == 0);  // the bound itself is accepted
}

TEST_CASE("hostile json: 10 MB on stdin is refused quickly, whatever it holds", "[hostile]") {
  Sandbox s;
  const std::string tail(10 * 1024 * 1024, ' ');
  s.expect("host-local", s.conf().dump() + tail, 6);  // a valid config padded with whitespace
  s.expect("host-local", tail + s.conf().dump(), 6);
  auto big = s.conf();
  big["pad"] = std::vector<int>(2 * 1024 * 1024, 1);  // 4 MB of array, plus the rest
  s.expect("host-local", big.dump(), 6);
}

TEST_CASE("hostile json: not a JSON object, or not JSON at all, is code 6", "[hostile]") {
  Sandbox s;
  for (const std::string& text : std::vector<std::string>{"", " ", "null", "[]", "\"config\"", "42", "{", "{\"name\":\"x\"", "{}{}",
                                 "{\"name\":\"n\xff\"}", "{\"name\":\"\\ud800\"}"})
    s.expect("host-local", text, 6);
}

TEST_CASE("hostile json: duplicate keys are refused at every level", "[hostile]") {
  Sandbox s;
  auto text = s.conf().dump();
  s.expect("host-local", R"({"name":"a",)" + text.substr(1), 6);
  s.expect("host-local", text.replace(text.find(R"("subnet")"), 0, R"("subnet":"10.99.0.0/16",)"), 6);
  s.expect("host-local",
           R"({"cniVersion":"1.0.0","name":"n","ipam":{"type":"host-local","dataDir":")" + s.data_dir +
               R"(","ranges":[[{"subnet":"10.246.2.0/24","subnet":"10.246.3.0/24"}]]}})",
           6);
}

TEST_CASE("hostile json: wrong types are code 7 naming the key", "[hostile]") {
  Sandbox s;
  struct Case {
    json::json_pointer at;
    json value;
    std::string key;  // named in the message
  };
  std::vector<Case> cases = {
      {json::json_pointer("/name"), 5, "name"},
      {json::json_pointer("/cniVersion"), 1.0, "cniVersion"},
      {json::json_pointer("/ipam"), "host-local", "ipam"},
      {json::json_pointer("/ipam/type"), json::array(), "type"},
      {json::json_pointer("/ipam/subnet"), 10, "subnet"},
      {json::json_pointer("/ipam/dataDir"), json::object(), "dataDir"},
      {json::json_pointer("/ipam/routes"), json::object(), "routes"},
      {json::json_pointer("/dns"), "8.8.8.8", "dns"},
      {json::json_pointer("/runtimeConfig"), json::array(), "runtimeConfig"},
      {json::json_pointer("/args"), "x", "args"},
  };
  for (const auto& c : cases) {
    auto conf = s.conf();
    conf[c.at] = c.value;
    auto r = s.run("host-local", conf.dump());
    INFO(conf.dump() << " -> " << r.out);
    s.expect("host-local", conf.dump(), 7);
    CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains(c.key));
  }
  auto conf = s.conf();
  conf["prevResult"] = "x";  // a result that cannot be decoded
  s.expect("host-local", conf.dump(), 6);
}

TEST_CASE("hostile json: bridge numbers out of range are refused before the kernel is touched",
          "[hostile][bridge]") {
  Sandbox s;
  std::string br = test::unique_name("hxb");
  auto base = s.conf();
  base["type"] = "bridge";
  base["bridge"] = br;
  struct Case {
    const char* key;
    std::string value;  // raw JSON text, so values nlohmann would not produce can be written
    int code;
  };
  for (const auto& c : std::vector<Case>{{"mtu", "-1", 7},
                                          {"mtu", "65536", 7},
                                          {"mtu", "1500.5", 7},
                                          {"mtu", "\"1500\"", 7},
                                          {"mtu", "9223372036854775808", 7},
                                          {"mtu", "18446744073709551616", 7},
                                          {"mtu", "1e400", 6},
                                          {"vlan", "4095", 7},
                                          {"vlan", "-9223372036854775808", 7},
                                          {"vlanTrunk", R"([{"id":0}])", 7},
                                          {"vlanTrunk", R"([{"minID":10,"maxID":5000}])", 7},
                                          {"vlanTrunk", R"([{"id":1.5}])", 7},
                                          {"isGateway", "1", 7},
                                          {"ipMasq", "\"true\"", 7}}) {
    auto conf = base;
    conf[c.key] = "@";
    auto text = conf.dump();
    text.replace(text.find("\"@\""), 3, c.value);
    INFO(c.key << "=" << c.value);
    s.expect("bridge", text, c.code);
  }
  int rc = 0;
  test::sh("ip link show " + br + " 2>/dev/null", &rc);
  CHECK(rc != 0);
}

TEST_CASE("hostile json: a resolv.conf that is not UTF-8 still gives a valid JSON result", "[hostile]") {
  Sandbox s;
  test::write_file(s.tmp / "resolv.conf", "nameserver 10.246.2.53\nsearch ex\xff" "ample.org\noptions nd\xc3\x28ots:1\n");
  auto conf = s.conf();
  conf["ipam"]["resolvConf"] = s.tmp / "resolv.conf";
  auto r = s.run("host-local", conf.dump());
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  CHECK(j["dns"]["nameservers"][0] == "10.246.2.53");
  CHECK(j["dns"]["search"][0] == "ex\xef\xbf\xbd" "ample.org");  // U+FFFD, as Go's encoder writes it
}
