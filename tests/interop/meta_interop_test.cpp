// The meta plugins against the reference (/usr/lib/cni, v1.1.1) on the same configs: two
// identical labs (same subnet, container IDs, so the same addresses), the reference in one
// and ours in the other, then the kernel state compared (interface names normalised); each
// one's DEL run on the other's ADD; and the reference bugs we fix, shown failing on the
// reference.
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "../integration/meta_lab.hpp"

using nlohmann::json;
using meta_test::Lab;
using meta_test::trim;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// One side of a comparison: a lab with one attached container.
struct Side {
  Lab lab;
  test::TestNetns c{"ic"};
  json prev;
  Side(bool dual_stack = false) { prev = lab.attach(c, "i1", dual_stack); }
  // Names that differ between two otherwise identical labs, replaced by placeholders.
  std::string normal(std::string s) const {
    s = replace_all(s, lab.host_veth(prev), "HOSTVETH");
    s = replace_all(s, lab.br, "BRIDGE");
    s = replace_all(s, c.path(), "NETNS");
    return s;
  }
  test::RunResult run(const std::string& bin, const std::string& cmd, const json& conf, const std::string& ifname = "eth0") const {
    return lab.run(bin, cmd, "i1", c.path(), conf, ifname);
  }
};

std::string link_state(const test::TestNetns& c, const std::string& ifname = "eth0") {
  auto l = json::parse(c.exec("ip -j -d link show dev " + ifname))[0];
  return l["address"].get<std::string>() + " mtu " + std::to_string(l["mtu"].get<int>()) + " " + l["flags"].dump() +
         " rp_filter " + trim(c.exec("cat /proc/sys/net/ipv4/conf/" + ifname + "/rp_filter"));
}

}  // namespace

TEST_CASE("tuning interop: same changes, same backup keys, each DEL restores the other's ADD", "[tuning][interop]") {
  Side ref, ours;
  auto conf = [](const Side& s) {
    return s.lab.chained({{"type", "tuning"},
                          {"dataDir", s.lab.data.path + "/tuning"},
                          {"sysctl", {{"net.ipv4.conf.IFNAME.rp_filter", "2"}}},
                          {"mac", "02:12:34:56:78:9a"},
                          {"mtu", 1280},
                          {"promisc", true},
                          {"allmulti", true}},
                         s.prev);
  };
  const auto ref_before = link_state(ref.c), ours_before = link_state(ours.c);
  auto rr = ref.run(test::reference("tuning"), "ADD", conf(ref));
  auto ro = ours.run(test::ours("tuning"), "ADD", conf(ours));
  INFO(rr.out << rr.err << ro.out << ro.err);
  REQUIRE(rr.rc == 0);
  REQUIRE(ro.rc == 0);
  CHECK(link_state(ref.c) == link_state(ours.c));
  // The container interface's entry, with the new MAC (the host side's MACs are random).
  auto sandboxed = [](const Side& s, const json& r) {
    json out = json::array();
    for (const auto& i : r["interfaces"])
      if (i.contains("sandbox")) out.push_back(i);
    return s.normal(out.dump());
  };
  CHECK(sandboxed(ours, ro.json()) == sandboxed(ref, rr.json()));
  // The same backup file, by name and by the reference's keys (ours adds the sysctls).
  auto rb = json::parse(test::read_file(ref.lab.data.path + "/tuning/i1_eth0.json"));
  auto ob = json::parse(test::read_file(ours.lab.data.path + "/tuning/i1_eth0.json"));
  for (const auto& [k, v] : rb.items()) {
    INFO(k);
    CHECK(ob.contains(k));
    if (k != "mac") CHECK(ob[k] == v);
  }
  CHECK(ob["cnippSysctls"] == json{{"net/ipv4/conf/eth0/rp_filter", "0"}});
  // Our CHECK accepts the reference's ADD. The reference's CHECK fails even on its own: it
  // reads the sysctl without replacing IFNAME (fixed in v1.3.0, plugins#885).
  CHECK(ref.run(test::ours("tuning"), "CHECK", conf(ref)).rc == 0);
  auto ref_check = ref.run(test::reference("tuning"), "CHECK", conf(ref));
  CHECK(ref_check.rc != 0);
  CHECK_THAT(ref_check.out, Catch::Contains("IFNAME"));
  // Each DEL restores the other's link settings. Neither restores a sysctl the other set:
  // the reference's backup has no record of it, and the reference ignores ours.
  REQUIRE(ref.run(test::ours("tuning"), "DEL", conf(ref)).rc == 0);
  CHECK(replace_all(link_state(ref.c), "rp_filter 2", "rp_filter 0") == ref_before);
  REQUIRE(ours.run(test::reference("tuning"), "DEL", conf(ours)).rc == 0);
  CHECK(replace_all(link_state(ours.c), "rp_filter 2", "rp_filter 0") == ours_before);
  CHECK(test::list_dir(ours.lab.data.path + "/tuning").empty());
}

TEST_CASE("tuning interop: the reference crashes on args.cni.sysctl without a sysctl map, ours merges it", "[tuning][interop]") {
  Side s;
  auto conf = s.lab.chained({{"type", "tuning"}, {"dataDir", s.lab.data.path + "/tuning"}}, s.prev);
  conf["args"]["cni"]["sysctl"] = {{"net.ipv4.conf.IFNAME.rp_filter", "2"}};
  auto ref = s.run(test::reference("tuning"), "ADD", conf);
  CHECK(ref.rc != 0);
  CHECK_THAT(ref.out + ref.err, Catch::Contains("assignment to entry in nil map"));
  auto ours = s.run(test::ours("tuning"), "ADD", conf);
  INFO(ours.out << ours.err);
  CHECK(ours.rc == 0);
  CHECK(trim(s.c.exec("cat /proc/sys/net/ipv4/conf/eth0/rp_filter")) == "2");
}

TEST_CASE("tuning interop: an interface name with a dot (the reference turns it into a path)", "[tuning][interop]") {
  Lab lab;
  test::TestNetns c("ic");
  const auto peer = test::unique_name("iv");
  test::sh("ip -n " + lab.host.name + " link add " + peer + " type veth peer name ve.100 netns " + c.name);
  json prev{{"cniVersion", "1.0.0"},
            {"interfaces", json::array({{{"name", "ve.100"}, {"sandbox", c.path()}}})},
            {"ips", json::array({{{"address", "10.250.0.9/24"}, {"interface", 0}}})}};
  auto conf = lab.chained({{"type", "tuning"}, {"dataDir", lab.data.path}, {"sysctl", {{"net.ipv4.conf.IFNAME.rp_filter", "1"}}}}, prev);
  auto ref = lab.run(test::reference("tuning"), "ADD", "i2", c.path(), conf, "ve.100");
  CHECK(ref.rc != 0);
  CHECK_THAT(ref.out, Catch::Contains("ve/100"));
  auto ours = lab.run(test::ours("tuning"), "ADD", "i2", c.path(), conf, "ve.100");
  INFO(ours.out << ours.err);
  CHECK(ours.rc == 0);
  CHECK(trim(c.exec("cat /proc/sys/net/ipv4/conf/ve.100/rp_filter")) == "1");
}

TEST_CASE("bandwidth interop: the same qdiscs and ifb, each one's CHECK and DEL on the other's ADD", "[bandwidth][interop]") {
  Side ref, ours;
  auto conf = [](const Side& s) {
    return s.lab.chained({{"type", "bandwidth"}, {"ingressRate", 12345678}, {"ingressBurst", 98765},
                          {"egressRate", 3000000000ull}, {"egressBurst", 4000000}}, s.prev);
  };
  auto rr = ref.run(test::reference("bandwidth"), "ADD", conf(ref));
  auto ro = ours.run(test::ours("bandwidth"), "ADD", conf(ours));
  INFO(rr.out << rr.err << ro.out << ro.err);
  REQUIRE(rr.rc == 0);
  REQUIRE(ro.rc == 0);
  // Same ifb name, same qdiscs down to the buffer's rounding and the link layer.
  auto qdiscs = [](const Side& s) { return s.normal(s.lab.host.exec("tc -d qdisc show")); };
  CHECK(qdiscs(ours) == qdiscs(ref));
  CHECK(ro.json()["interfaces"].back()["name"] == rr.json()["interfaces"].back()["name"]);
  auto ifb = ro.json()["interfaces"].back()["name"].get<std::string>();
  CHECK(ours.normal(ours.lab.host.exec("ip -d link show dev " + ifb + " | sed 1!d | cut -d: -f2-")) ==
        ref.normal(ref.lab.host.exec("ip -d link show dev " + ifb + " | sed 1!d | cut -d: -f2-")));
  // The redirect: the same filter; the reference also sends a second mirred action that
  // never runs (the first one steals the packet), which we leave out.
  auto filter = [](const Side& s) {
    auto f = s.normal(s.lab.host.exec("tc filter show dev " + s.lab.host_veth(s.prev) + " parent ffff:"));
    return f.substr(0, f.find("\taction order 2"));
  };
  CHECK(trim(filter(ours)) == trim(filter(ref)));
  CHECK(ref.run(test::ours("bandwidth"), "CHECK", conf(ref)).rc == 0);
  auto ref_check = ours.run(test::reference("bandwidth"), "CHECK", conf(ours));
  INFO(ref_check.out << ref_check.err);
  CHECK(ref_check.rc == 0);
  REQUIRE(ref.run(test::ours("bandwidth"), "DEL", conf(ref)).rc == 0);
  REQUIRE(ours.run(test::reference("bandwidth"), "DEL", conf(ours)).rc == 0);
  CHECK(ref.lab.host.exec("ip link show dev " + ifb + " 2>/dev/null").empty());
  CHECK(ours.lab.host.exec("ip link show dev " + ifb + " 2>/dev/null").empty());
}

TEST_CASE("bandwidth interop: the reference's CHECK crashes when no limit is set, ours succeeds", "[bandwidth][interop]") {
  Side s;
  auto conf = s.lab.chained({{"type", "bandwidth"}}, s.prev);
  auto ref = s.run(test::reference("bandwidth"), "CHECK", conf);
  CHECK(ref.rc != 0);
  CHECK_THAT(ref.out + ref.err, Catch::Contains("nil pointer"));
  CHECK(s.run(test::ours("bandwidth"), "CHECK", conf).rc == 0);
}

TEST_CASE("firewall interop: the reference's iptables chains, byte for byte, one host with both", "[firewall][interop]") {
  Side ref(true), ours(true);
  auto conf = [](const Side& s, const std::string& backend) {
    json c{{"type", "firewall"}, {"ingressPolicy", "same-bridge"}, {"iptablesAdminChainName", "MY-ADMIN"}};
    if (!backend.empty()) c["backend"] = backend;
    return s.lab.chained(c, s.prev);
  };
  auto filter = [](const Side& s) {
    return s.normal(s.lab.host.exec("sh -c '{ iptables-save -t filter; ip6tables-save -t filter; } | grep -v \"^#\"'"));
  };
  REQUIRE(ref.run(test::reference("firewall"), "ADD", conf(ref, "")).rc == 0);
  auto ro = ours.run(test::ours("firewall"), "ADD", conf(ours, "iptables"));
  INFO(ro.out << ro.err);
  REQUIRE(ro.rc == 0);
  CHECK(filter(ours) == filter(ref));
  CHECK_THAT(filter(ref), Catch::Contains("-j MY-ADMIN"));
  // A repeated ADD changes nothing.
  REQUIRE(ours.run(test::ours("firewall"), "ADD", conf(ours, "iptables")).rc == 0);
  CHECK(filter(ours) == filter(ref));

  // One host, both plugins: a second container added by ours next to the reference's.
  test::TestNetns c2("ic");
  auto p2 = ref.lab.attach(c2, "i2", true);
  json conf2 = ref.lab.chained({{"type", "firewall"}, {"ingressPolicy", "same-bridge"}, {"iptablesAdminChainName", "MY-ADMIN"}}, p2);
  // No backend in the config: the reference's chains are in FORWARD, so ours joins them.
  auto r2 = ref.lab.run(test::ours("firewall"), "ADD", "i2", c2.path(), conf2);
  INFO(r2.out << r2.err);
  REQUIRE(r2.rc == 0);
  CHECK_THAT(ref.lab.host.exec("nft list tables"), !Catch::Contains("cnipp_firewall"));
  CHECK(ref.lab.run(test::reference("firewall"), "CHECK", "i2", c2.path(), conf2).rc == 0);
  CHECK(ref.run(test::ours("firewall"), "CHECK", conf(ref, "")).rc == 0);
  // Each one's DEL removes the other's container's rules, and only those.
  REQUIRE(ref.run(test::ours("firewall"), "DEL", conf(ref, "")).rc == 0);
  REQUIRE(ref.lab.run(test::reference("firewall"), "DEL", "i2", c2.path(), conf2).rc == 0);
  auto left = filter(ref);
  CHECK_THAT(left, !Catch::Contains(meta_test::addr(ref.prev, 4)) && !Catch::Contains(meta_test::addr(p2, 4)));
  CHECK_THAT(left, !Catch::Contains(meta_test::addr(p2, 6)));
  CHECK_THAT(left, Catch::Contains("-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD"));
}

namespace {

// Runs our firewall like Lab::run, but with every iptables tool (xtables-nft-multi, which
// they all link to) replaced, in a mount namespace of its own, by a script that logs the
// call to `log` and then runs a copy of the real one.
test::RunResult logged_iptables_run(const Lab& lab, const std::string& cmd, const std::string& id,
                                    const std::string& netns, const json& conf, const std::string& log) {
  const test::TempDir dir;
  test::sh("cp /usr/sbin/xtables-nft-multi " + dir / "xtables-nft-multi");
  for (const char* t : {"iptables", "ip6tables", "iptables-save", "ip6tables-save", "iptables-restore", "ip6tables-restore"})
    test::sh(std::string("ln -s xtables-nft-multi ") + dir / t);
  test::write_file(dir / "wrapper", "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + log + "\nexec " + dir.path +
                                        "/\"$(basename \"$0\")\" \"$@\"\n");
  test::sh("chmod +x " + dir / "wrapper");
  const std::string script = "mount --bind " + dir / "wrapper" + " /usr/sbin/xtables-nft-multi && exec ip netns exec " +
                             lab.host.name + " " + test::ours("firewall");
  return test::run("/usr/bin/unshare", test::cni_env(cmd, id, netns), conf.dump(),
                   {"-m", "--propagation", "private", "sh", "-c", script});
}

}  // namespace

TEST_CASE("firewall interop: our DEL execs iptables only when the reference's CNI-FORWARD holds its addresses",
          "[firewall][interop]") {
  char real[PATH_MAX];
  if (!realpath("/usr/sbin/iptables", real) || std::string(real) != "/usr/sbin/xtables-nft-multi") {
    WARN("iptables is not iptables-nft here: legacy tables are always read with iptables");
    return;
  }
  Side ref(true);
  auto conf = [](const Lab& lab, const json& prev, const std::string& backend) {
    json c{{"type", "firewall"}};
    if (!backend.empty()) c["backend"] = backend;
    return lab.chained(c, prev);
  };
  // The reference's rules for i1 in CNI-FORWARD (which stays there for good), ours for i2 in nftables.
  REQUIRE(ref.run(test::reference("firewall"), "ADD", conf(ref.lab, ref.prev, "")).rc == 0);
  test::TestNetns c2("ic");
  auto p2 = ref.lab.attach(c2, "i2", true);
  auto a2 = ref.lab.run(test::ours("firewall"), "ADD", "i2", c2.path(), conf(ref.lab, p2, "nftables"));
  INFO(a2.out << a2.err);
  REQUIRE(a2.rc == 0);
  const test::TempDir logs;
  const auto log = logs / "calls";
  test::write_file(log, "");

  // Nothing of i2's in CNI-FORWARD: no iptables at all, and the reference's rules stay.
  auto d2 = logged_iptables_run(ref.lab, "DEL", "i2", c2.path(), conf(ref.lab, p2, "nftables"), log);
  INFO(d2.out << d2.err);
  CHECK(d2.rc == 0);
  CHECK(test::read_file(log).empty());
  auto filter = [&] { return ref.lab.host.exec("sh -c 'iptables-save -t filter; ip6tables-save -t filter'"); };
  CHECK_THAT(filter(), Catch::Contains(meta_test::addr(ref.prev, 4)) && Catch::Contains(meta_test::addr(ref.prev, 6)));
  CHECK_THAT(ref.lab.host.exec("nft list ruleset"), !Catch::Contains(meta_test::addr(p2, 4)));

  // i1's addresses are there, in both families: iptables reads and deletes them.
  auto d1 = logged_iptables_run(ref.lab, "DEL", "i1", ref.c.path(), conf(ref.lab, ref.prev, ""), log);
  INFO(d1.out << d1.err);
  CHECK(d1.rc == 0);
  const auto calls = test::read_file(log);
  // A listing of the filter table in each family (whatever the xtables lock wait is).
  auto listed = [&](const std::string& tool) {
    std::istringstream in(calls);
    for (std::string l; std::getline(in, l);)
      if (l.starts_with(tool + " -w ") && l.ends_with(" -t filter -S")) return true;
    return false;
  };
  CHECK(listed("iptables"));
  CHECK(listed("ip6tables"));
  CHECK_THAT(calls, Catch::Contains("iptables-restore") && Catch::Contains("ip6tables-restore"));
  CHECK_THAT(filter(), !Catch::Contains(meta_test::addr(ref.prev, 4)) && !Catch::Contains(meta_test::addr(ref.prev, 6)));
}

TEST_CASE("sbr interop: the same rules and tables, each one's DEL on the other's ADD", "[sbr][interop]") {
  Side ref(true), ours(true);
  auto conf = [](const Side& s) { return s.lab.chained({{"type", "sbr"}}, s.prev); };
  auto routing = [](const Side& s) {
    auto t = s.c.exec("sh -c 'ip -4 rule; ip -6 rule; ip -4 route show table all; ip -6 route show table all' | grep -v 'table local'");
    return s.normal(t);
  };
  REQUIRE(ref.run(test::reference("sbr"), "ADD", conf(ref)).rc == 0);
  auto ro = ours.run(test::ours("sbr"), "ADD", conf(ours));
  INFO(ro.out << ro.err);
  REQUIRE(ro.rc == 0);
  CHECK(routing(ours) == routing(ref));
  CHECK_THAT(routing(ours), Catch::Contains("lookup 101"));
  REQUIRE(ref.run(test::ours("sbr"), "DEL", conf(ref)).rc == 0);
  REQUIRE(ours.run(test::reference("sbr"), "DEL", conf(ours)).rc == 0);
  CHECK(routing(ours) == routing(ref));
  CHECK_THAT(routing(ours), !Catch::Contains("lookup 10"));
}

TEST_CASE("sbr interop: DEL after the interface or the netns is gone fails on the reference, not on ours", "[sbr][interop]") {
  Side s;
  auto conf = s.lab.chained({{"type", "sbr"}}, s.prev);
  REQUIRE(s.run(test::ours("sbr"), "ADD", conf).rc == 0);
  s.c.exec("ip link del eth0");
  CHECK(s.run(test::reference("sbr"), "DEL", conf).rc != 0);
  CHECK(s.run(test::ours("sbr"), "DEL", conf).rc == 0);
  test::TempDir gone;
  const auto path = gone / "netns";
  auto ref = s.lab.run(test::reference("sbr"), "DEL", "i1", path, conf);
  CHECK(ref.rc != 0);
  struct stat st;
  CHECK(stat(path.c_str(), &st) == 0);  // the reference's lock left an empty file behind
  unlink(path.c_str());
  CHECK(s.lab.run(test::ours("sbr"), "DEL", "i1", path, conf).rc == 0);
  CHECK(stat(path.c_str(), &st) != 0);
}
