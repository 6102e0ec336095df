// bridge plugin: masquerade rules follow the attachment. They exist after ADD and are gone
// after DEL, including when the container netns was deleted first or CNI_NETNS is empty
// (the reference leaks them then: containernetworking/plugins#810); GC drops stale ones.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "bridge_lab.hpp"

using bridge_test::Lab;
using nlohmann::json;

namespace {
std::string plugin() {
  const char* p = std::getenv("CNIPP_BRIDGE_UNDER_TEST");
  return p ? p : test::ours("bridge");
}
// Every rule (nftables and iptables, both families) in the host test namespace.
std::string rules(const Lab& lab) {
  return lab.in_host("nft list ruleset 2>/dev/null") + lab.in_host("iptables-save -t nat 2>/dev/null") +
         lab.in_host("ip6tables-save -t nat 2>/dev/null");
}
bool mentions(const std::string& text, const std::string& id) { return text.find(id) != std::string::npos; }
}  // namespace

TEST_CASE("bridge masq: rules exist after ADD and go away with DEL in every situation", "[bridge]") {
  for (const char* backend : {"nftables", "iptables"}) {
    SECTION(backend) {
      Lab lab(plugin());
      auto conf = lab.conf({"10.212.1.0/24", "fd00:212:1::/64"});
      conf["ipMasq"] = true;
      conf["isGateway"] = true;
      conf["ipMasqBackend"] = backend;
      const std::string a = test::unique_name("ida"), b = test::unique_name("idb"), c = test::unique_name("idc");
      test::TestNetns na("bc"), nc("bc");
      {
        test::TestNetns nb("bc");
        REQUIRE(lab.add(na, conf, a).rc == 0);
        REQUIRE(lab.add(nb, conf, b).rc == 0);
        REQUIRE(lab.add(nc, conf, c).rc == 0);
        auto all = rules(lab);
        CHECK(mentions(all, a));
        CHECK(mentions(all, b));
        CHECK(mentions(all, c));
        CHECK((mentions(all, "masquerade") || mentions(all, "MASQUERADE")));
        CHECK(mentions(all, "10.212.1.2"));
        CHECK(mentions(all, "fd00:212:1::2"));
      }
      // b's namespace is gone before its DEL.
      CHECK(lab.call("DEL", b, "/var/run/netns/gone-" + b, conf).rc == 0);
      // c is deleted by a runtime that passes no netns.
      CHECK(lab.call("DEL", c, "", conf).rc == 0);
      for (int i = 0; i < 3; ++i) CHECK(lab.del(na, conf, a).rc == 0);
      auto all = rules(lab);
      CHECK_FALSE(mentions(all, a));
      CHECK_FALSE(mentions(all, b));
      CHECK_FALSE(mentions(all, c));
      CHECK(lab.leases().empty());
    }
  }
}

TEST_CASE("bridge masq: CHECK notices a missing rule, GC removes stale attachments", "[bridge]") {
  Lab lab(plugin());
  auto conf = lab.conf({"10.212.2.0/24"}, "1.1.0");
  conf["ipMasq"] = true;
  const std::string keep = test::unique_name("idk"), stale = test::unique_name("ids");
  test::TestNetns nk("bc"), ns("bc");
  // The kept container joins last: a bridge takes the lowest MAC of its ports, so a port
  // added after `keep` could change the bridge MAC its result reports, and CHECK compares it.
  REQUIRE(lab.add(ns, conf, stale).rc == 0);
  auto r = lab.add(nk, conf, keep);
  REQUIRE(r.rc == 0);
  auto chk = conf;
  chk["prevResult"] = r.json();
  auto first_check = lab.call("CHECK", keep, nk.path(), chk);
  INFO(first_check.out << first_check.err);
  CHECK(first_check.rc == 0);

  auto gc = conf;
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", keep}, {"ifname", "eth0"}}});
  auto env = test::cni_env("GC", "", "", "", lab.ipam_path);
  auto g = test::run("/usr/bin/ip", env, gc.dump(), {"netns", "exec", lab.host.name, lab.binary});
  INFO(g.out << g.err);
  CHECK(g.rc == 0);
  auto all = rules(lab);
  CHECK(mentions(all, keep));
  CHECK_FALSE(mentions(all, stale));
  CHECK(lab.call("CHECK", keep, nk.path(), chk).rc == 0);

  CHECK(lab.del(nk, conf, keep).rc == 0);
  CHECK(lab.del(ns, conf, stale).rc == 0);
  // With the rules gone, CHECK of the remaining attachment must fail.
  test::TestNetns n2("bc");
  r = lab.add(n2, conf, keep);
  REQUIRE(r.rc == 0);
  chk["prevResult"] = r.json();
  lab.in_host("nft flush ruleset");
  CHECK(lab.call("CHECK", keep, n2.path(), chk).rc != 0);
  CHECK(lab.del(n2, conf, keep).rc == 0);
}

TEST_CASE("bridge: STATUS forwards to IPAM, no IPAM means ready", "[bridge]") {
  Lab lab(plugin());
  auto env = test::cni_env("STATUS", "", "", "", lab.ipam_path);
  auto l2 = lab.conf({}, "1.1.0");
  CHECK(test::run("/usr/bin/ip", env, l2.dump(), {"netns", "exec", lab.host.name, lab.binary}).rc == 0);
  auto bad = lab.conf({"10.212.3.0/24"}, "1.1.0");
  bad["ipam"]["type"] = "no-such-ipam";
  CHECK(test::run("/usr/bin/ip", env, bad.dump(), {"netns", "exec", lab.host.name, lab.binary}).rc != 0);
}
