// Differential tests: our bridge against the reference /usr/lib/cni/bridge (v1.1.1) with the
// same config, comparing the result (veth names and MACs are random, so compared by shape)
// and the kernel state each leaves behind; and attachments made by one, removed by the other.
#include <catch2/catch.hpp>

#include <functional>

#include "../integration/bridge_lab.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {

// The result with the random parts (host veth name, MACs) blanked.
json shape(json r) {
  if (!r.contains("interfaces")) return r;  // 0.1.0/0.2.0 results have none
  for (auto& i : r["interfaces"]) {
    i.erase("mac");
    if (i["name"].get<std::string>().rfind("veth", 0) == 0) i["name"] = "veth*";
  }
  return r;
}

struct Observed {
  json result;
  std::string cont_addrs, cont_routes, br_addrs;
  bool veth_on_bridge = false;
};

Observed attach(const std::string& binary, const std::function<json(const Lab&)>& make_conf) {
  Lab lab(binary);
  test::TestNetns c("bi");
  auto conf = make_conf(lab);
  auto r = lab.add(c, conf);
  INFO(binary << ": " << r.out << r.err);
  REQUIRE(r.rc == 0);
  Observed o;
  o.result = shape(r.json());
  if (o.result.contains("interfaces")) {
    o.result["interfaces"][0]["name"] = "br";  // bridge names differ per lab
    o.result["interfaces"][2].erase("sandbox");
  }
  // v1.1.1 prints an empty "dns": {}; newer libcni (and we) leave it out. Same meaning.
  if (o.result.contains("dns") && o.result["dns"].empty()) o.result.erase("dns");
  // Link-local addresses derive from the random MACs; compare the assigned ones.
  o.cont_addrs = c.exec("ip -o addr show dev eth0 scope global | awk '{print $4}'");
  o.cont_routes = c.exec("ip route show; ip -6 route show | grep -v fe80");
  o.br_addrs = lab.in_host("ip -br -4 addr show dev " + lab.br + " | awk '{print $3}'");
  if (r.json().contains("interfaces")) {
    auto port = r.json()["interfaces"][1]["name"].get<std::string>();
    o.veth_on_bridge = lab.host_link(port)["master"] == lab.br;
  } else {
    o.veth_on_bridge = lab.in_host("ip -o link show master " + lab.br).find("veth") != std::string::npos;
  }
  CHECK(lab.del(c, conf).rc == 0);
  return o;
}

void compare(const std::function<json(const Lab&)>& make_conf) {
  auto ref = attach(test::reference("bridge"), make_conf);
  auto ours = attach(test::ours("bridge"), make_conf);
  CHECK(ours.result == ref.result);
  CHECK(ours.cont_addrs == ref.cont_addrs);
  CHECK(ours.cont_routes == ref.cont_routes);
  CHECK(ours.br_addrs == ref.br_addrs);
  CHECK(ours.veth_on_bridge);
  CHECK(ref.veth_on_bridge);
}

}  // namespace

TEST_CASE("bridge interop: IPv4 gateway config gives the reference's result and state", "[bridge]") {
  compare([](const Lab& lab) {
    auto j = lab.conf({"10.213.1.0/24"});
    j["isDefaultGateway"] = true;
    return j;
  });
}

TEST_CASE("bridge interop: dual stack, ipMasq, 0.4.0 result", "[bridge]") {
  compare([](const Lab& lab) {
    auto j = lab.conf({"10.213.2.0/24", "fd00:213:2::/64"}, "0.4.0");
    j["isGateway"] = true;
    return j;
  });
}

TEST_CASE("bridge interop: 0.2.0 result and L2-only at 1.0.0", "[bridge]") {
  compare([](const Lab& lab) { return lab.conf({"10.213.3.0/24"}, "0.2.0"); });
  compare([](const Lab& lab) { return lab.conf({}); });
}

TEST_CASE("bridge interop: added by the reference, deleted by ours (and the reverse)", "[bridge]") {
  const std::pair<std::string, std::string> pairs[] = {{test::reference("bridge"), test::ours("bridge")},
                                                       {test::ours("bridge"), test::reference("bridge")}};
  for (const auto& [adder, deleter] : pairs) {
    Lab lab(adder);
    test::TestNetns c("bi");
    auto conf = lab.conf({"10.213.4.0/24"});
    conf["isGateway"] = true;
    auto a = lab.call("ADD", "c1", c.path(), conf);
    INFO(adder << " -> " << deleter << ": " << a.out);
    REQUIRE(a.rc == 0);
    CHECK(lab.leases().size() == 1);
    auto env = test::cni_env("DEL", "c1", c.path(), "eth0", lab.ipam_path);
    auto r = test::run("/usr/bin/ip", env, conf.dump(), {"netns", "exec", lab.host.name, deleter});
    CHECK(r.rc == 0);
    CHECK(lab.leases().empty());
    CHECK(Lab::link(c, "eth0").is_null());
    CHECK(lab.ports().empty());
  }
}
