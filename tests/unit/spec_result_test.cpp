#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "cni/spec/result.hpp"

using nlohmann::json;

namespace {
cni::Result sample() {
  return cni::Result::from_json(json::parse(R"({
    "cniVersion": "1.1.0",
    "interfaces": [{"name": "cni0", "mac": "aa:bb:cc:dd:ee:01"},
                   {"name": "veth1", "mac": "aa:bb:cc:dd:ee:02"},
                   {"name": "eth0", "mac": "aa:bb:cc:dd:ee:03", "mtu": 1400, "sandbox": "/var/run/netns/x",
                    "socketPath": "/run/s.sock", "pciID": "0000:00:01.0"}],
    "ips": [{"address": "10.1.0.5/24", "gateway": "10.1.0.1", "interface": 2},
            {"address": "10.2.0.5/24", "interface": 2},
            {"address": "fd00::5/64", "gateway": "fd00::1", "interface": 2}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.1.0.1", "mtu": 1300, "advmss": 1200, "priority": 5, "table": 100, "scope": 0},
               {"dst": "::/0"}],
    "dns": {"nameservers": ["10.1.0.1"], "search": ["example.org"]}
  })"));
}
}  // namespace

TEST_CASE("1.1.0 output carries interface and route extras", "[result]") {
  auto j = json::parse(sample().to_json("1.1.0").dump());
  CHECK(j["cniVersion"] == "1.1.0");
  CHECK(j["interfaces"][2]["mtu"] == 1400);
  CHECK(j["interfaces"][2]["socketPath"] == "/run/s.sock");
  CHECK(j["interfaces"][2]["pciID"] == "0000:00:01.0");
  CHECK(j["routes"][0]["mtu"] == 1300);
  CHECK(j["routes"][0]["advmss"] == 1200);
  CHECK(j["routes"][0]["priority"] == 5);
  CHECK(j["routes"][0]["table"] == 100);
  CHECK(j["routes"][0]["scope"] == 0);
  CHECK_FALSE(j["ips"][0].contains("version"));
}

TEST_CASE("1.0.0 output has no ips[].version and no 1.1 fields", "[result]") {
  auto j = json::parse(sample().to_json("1.0.0").dump());
  CHECK_FALSE(j["ips"][0].contains("version"));
  CHECK_FALSE(j["interfaces"][2].contains("mtu"));
  CHECK_FALSE(j["interfaces"][2].contains("socketPath"));
  CHECK_FALSE(j["routes"][0].contains("mtu"));
  CHECK(j["ips"][0]["interface"] == 2);
  CHECK(j["dns"]["nameservers"][0] == "10.1.0.1");
}

TEST_CASE("0.3.x and 0.4.0 output has ips[].version", "[result]") {
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0"}) {
    auto j = json::parse(sample().to_json(v).dump());
    CHECK(j["cniVersion"] == v);
    CHECK(j["ips"][0]["version"] == "4");
    CHECK(j["ips"][2]["version"] == "6");
    CHECK(j["interfaces"].size() == 3);
    CHECK_FALSE(j.contains("ip4"));
  }
}

TEST_CASE("0.1.0/0.2.0 output keeps the first IP of each family and splits routes", "[result]") {
  for (const char* v : {"0.1.0", "0.2.0"}) {
    auto j = json::parse(sample().to_json(v).dump());
    CHECK(j["cniVersion"] == v);
    CHECK_FALSE(j.contains("interfaces"));
    CHECK_FALSE(j.contains("ips"));
    CHECK(j["ip4"]["ip"] == "10.1.0.5/24");
    CHECK(j["ip4"]["gateway"] == "10.1.0.1");
    REQUIRE(j["ip4"]["routes"].size() == 1);
    CHECK(j["ip4"]["routes"][0]["dst"] == "0.0.0.0/0");
    CHECK_FALSE(j["ip4"]["routes"][0].contains("mtu"));
    CHECK(j["ip6"]["ip"] == "fd00::5/64");
    CHECK(j["ip6"]["routes"][0]["dst"] == "::/0");
  }
}

TEST_CASE("a result without IPs cannot be expressed in 0.1.0/0.2.0", "[result]") {
  cni::Result r;
  r.interfaces.push_back({"eth0", "aa:bb:cc:dd:ee:ff"});
  try {
    r.to_json("0.2.0");
    FAIL("expected an error");
  } catch (const cni::Error& e) {
    CHECK(e.code() == cni::kIncompatibleVersion);
    CHECK_THAT(e.msg(), Catch::Contains("no valid IP addresses"));
  }
  CHECK_FALSE(cni::Result::expressible("0.1.0", false));
  CHECK(cni::Result::expressible("0.3.0", false));
  CHECK(cni::Result::expressible("0.1.0", true));
  CHECK_NOTHROW(r.to_json("0.3.1"));
}

TEST_CASE("old-form results parse into the model and upconvert", "[result]") {
  auto r = cni::Result::from_json(json::parse(R"({"cniVersion":"0.2.0",
     "ip4":{"ip":"10.1.0.5/16","gateway":"10.1.0.1","routes":[{"dst":"0.0.0.0/0"}]},
     "ip6":{"ip":"fd00::5/64","routes":[{"dst":"::/0","gw":"fd00::1"}]},
     "dns":{"nameservers":["1.1.1.1"]}})"));
  REQUIRE(r.ips.size() == 2);
  CHECK(r.ips[0].address.str() == "10.1.0.5/16");
  CHECK(r.routes.size() == 2);
  auto j = json::parse(r.to_json("0.4.0").dump());
  CHECK(j["ips"][1]["version"] == "6");
  CHECK(j["routes"][1]["gw"] == "fd00::1");
  CHECK(j["dns"]["nameservers"][0] == "1.1.1.1");
}

TEST_CASE("empty dns is omitted, missing cniVersion means 0.1.0", "[result]") {
  auto r = cni::Result::from_json(json::parse(R"({"ip4":{"ip":"10.0.0.2/24"}})"));
  CHECK(r.cni_version == "0.1.0");
  auto j = json::parse(r.to_json("1.0.0").dump());
  CHECK_FALSE(j.contains("dns"));
}

TEST_CASE("malformed results are decoding errors", "[result]") {
  for (const char* bad : {R"({"ips":[{"address":"10.0.0.300/24"}]})", R"({"ips":"x"})",
                          R"({"ips":[{"address":"10.0.0.3/24","interface":4}]})", R"({"routes":[{"dst":5}]})",
                          R"([1,2])"}) {
    INFO(bad);
    try {
      cni::Result::from_json(json::parse(bad));
      FAIL("expected an error");
    } catch (const cni::Error& e) {
      CHECK(e.code() == cni::kDecodingFailure);
    }
  }
}

TEST_CASE("converting to an unknown version is refused", "[result]") {
  CHECK_THROWS_AS(sample().to_json("0.5.0"), cni::Error);
}
