// The multi-host overlay end to end: a real ZooKeeper server, agents as namespaces on an
// underlay bridge running cnipp-overlayd, pods attached by the cnipp-overlay plugin
// (overlay/testbed/bed.hpp). Each case checks the kernel (routes, neighbours, FDB, links)
// and real traffic between pods, not only what the programs print.
#include <random>
#include <set>
#include <thread>

#include "overlay_lab.hpp"

using namespace overlay_lab;

TEST_CASE("overlay: agents lease distinct subnets and pods on different agents reach each other", "[overlay]") {
  TwoAgents t(options(), false);
  auto& bed = t.bed;
  auto &a1 = t.a1, &a2 = t.a2;
  CHECK(a1.subnet() != a2.subnet());
  auto s1 = a1.state();
  CHECK(s1["overlay"] == "10.96.0.0/16");
  CHECK(s1["subnet"].get<std::string>().rfind("10.96.", 0) == 0);
  CHECK(s1["subnet"].get<std::string>().substr(s1["subnet"].get<std::string>().find('/')) == "/24");
  // VXLAN's 50 bytes come off the underlay's MTU (the underlay veth has 1500).
  CHECK(s1["mtu"] == 1450);
  CHECK(json::parse(a1.ns().exec("ip -j link show cnipp.1"))[0]["mtu"] == 1450);
  CHECK(json::parse(a1.ns().exec("ip -j -d link show cnipp.1"))[0]["linkinfo"]["info_data"]["port"] == 4789);

  Pod p1(a1, "p1", a1.plugin_conf());
  Pod p2(a2, "p2", a2.plugin_conf());
  CHECK(json::parse(p1.ns().exec("ip -j link show eth0"))[0]["mtu"] == 1450);
  CHECK(reaches(p1, p2));
  CHECK(reaches(p2, p1));

  // A third agent joins: everyone converges on everyone.
  auto& a3 = bed.agent(3);
  a3.start();
  REQUIRE(a3.wait_ready());
  std::set<std::string> subnets{a1.subnet(), a2.subnet(), a3.subnet()};
  CHECK(subnets.size() == 3);
  Pod p3(a3, "p3", a3.plugin_conf());
  for (auto* from : {&p1, &p2, &p3})
    for (auto* to : {&p1, &p2, &p3})
      if (from != to) CHECK(reaches(*from, *to));
  check_peers(a1, {&a2, &a3});
  check_peers(a2, {&a1, &a3});
  check_peers(a3, {&a1, &a2});

  auto show = bed.show();
  CHECK(show["name"] == "ovl");
  CHECK(show["subnet"] == "10.96.0.0/16");
  CHECK(show["subnetLen"] == 24);
  CHECK(show["vni"] == 1);
  REQUIRE(show["leases"].size() == 3);
  for (auto* a : {&a1, &a2, &a3}) {
    auto l = lease_of(show, a->node_id());
    CHECK(l["subnet"] == a->subnet());
    CHECK(l["underlayIP"] == a->ip());
    CHECK(l["alive"] == true);
  }

  // The pods' MTU leaves room for VXLAN: 1450 - 28 bytes of ICMP payload pass with DF, one more does not.
  CHECK(overlay_bed::ping(p1.ns(), p3.ip(), 1000ms, 1422, true).has_value());
  CHECK_FALSE(overlay_bed::ping(p1.ns(), p3.ip(), 300ms, 1423, true).has_value());
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: a restarted daemon keeps its subnet and the datapath never depends on it", "[overlay]") {
  TwoAgents t;
  auto& bed = t.bed;
  auto& a1 = t.a1;
  auto &p1 = *t.p1, &p2 = *t.p2;
  const auto subnet = a1.subnet();

  for (int sig : {SIGTERM, SIGKILL}) {
    INFO("signal " << sig);
    a1.daemon()->signal(sig);
    auto code = a1.daemon()->wait(10s);
    REQUIRE(code);
    CHECK(*code == (sig == SIGTERM ? 0 : 128 + SIGKILL));
    a1.stop();
    // With the daemon gone the kernel entries stay, and the plugin still attaches pods.
    CHECK(overlay_bed::ping(p1.ns(), p2.ip(), 1000ms));
    CHECK(overlay_bed::ping(p2.ns(), p1.ip(), 1000ms));
    CHECK(a1.state()["state"] == "ok");
    Pod extra(a1, "extra" + std::to_string(sig), a1.plugin_conf());
    CHECK(reaches(extra, p2));
    if (sig == SIGTERM) {
      // A clean exit closes the session: peers and operators see it gone at once.
      CHECK(eventually([&] { return lease_of(bed.show(), "a1")["alive"] == false; }, 5s));
    }
    a1.start();
    REQUIRE(a1.wait_ready());
    CHECK(a1.subnet() == subnet);
    // The alive node is the new daemon's: after SIGKILL the old session's is replaced, not
    // left to expire.
    CHECK(alive_node(bed, "a1").value("pid", 0) == a1.daemon()->pid());
    CHECK(overlay_bed::ping(p1.ns(), p2.ip(), 1000ms));
  }
  CHECK(bed.show()["leases"].size() == 2);
  CHECK(log_of(a1).find("holding lease " + subnet.substr(0, subnet.find('/'))) != std::string::npos);
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: a ZooKeeper outage changes nothing in the datapath and everyone recovers by itself", "[overlay]") {
  TwoAgents t;
  auto& bed = t.bed;
  auto &a1 = t.a1, &a2 = t.a2;
  auto &p1 = *t.p1, &p2 = *t.p2;

  bed.stop_zookeeper(SIGKILL);
  CHECK(eventually([&] { return a1.state()["store"] == "disconnected"; }, 10s));
  CHECK(a1.state()["state"] == "ok");
  CHECK(overlay_bed::ping(p1.ns(), p2.ip(), 1000ms));
  CHECK(overlay_bed::ping(p2.ns(), p1.ip(), 1000ms));
  // Past the session timeout too: nothing in the kernel follows the store's liveness.
  std::this_thread::sleep_for(std::chrono::milliseconds(bed.options().session_timeout_ms + 500));
  CHECK(overlay_bed::ping(p1.ns(), p2.ip(), 1000ms));

  // An agent that starts now has no subnet: its plugin refuses cleanly and creates nothing.
  auto& a3 = bed.agent(3);
  a3.start();
  CHECK(a3.wait_state("starting", 5s));
  {
    overlay_bed::Netns pod("ovp");
    auto r = a3.plugin("ADD", "p3", pod.path(), a3.plugin_conf());
    CHECK(r.rc != 0);
    auto err = json::parse(r.out);
    CHECK(err["code"] == 11);
    CHECK(err["msg"].get<std::string>().find("no subnet on this agent (state starting)") != std::string::npos);
    CHECK(nothing_created(a3, pod));
  }

  bed.start_zookeeper();
  REQUIRE(a3.wait_ready(30s));
  CHECK(eventually([&] { return a1.state()["store"] == "connected" && a2.state()["store"] == "connected"; }, 20s));
  Pod p3(a3, "p3", a3.plugin_conf());
  CHECK(reaches(p3, p1));
  CHECK(reaches(p2, p3));
  check_peers(a1, {&a2, &a3});
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: a session that expires while the daemon is frozen is replaced without a gap", "[overlay]") {
  TwoAgents t;
  auto& bed = t.bed;
  auto &a1 = t.a1, &a2 = t.a2;
  auto &p1 = *t.p1, &p2 = *t.p2;
  const auto subnet = a1.subnet();

  a1.daemon()->signal(SIGSTOP);
  // The server expires the session (2 s) and deletes alive/a1; routes follow leases, not liveness.
  CHECK(eventually([&] { return lease_of(bed.show(), "a1")["alive"] == false; }, 15s));
  CHECK(overlay_bed::ping(p2.ns(), p1.ip(), 1000ms));
  check_peers(a2, {&a1});
  a1.daemon()->signal(SIGCONT);
  CHECK(eventually([&] { return lease_of(bed.show(), "a1")["alive"] == true; }, 15s));
  CHECK(eventually([&] { return log_of(a1).find("(new session)", log_of(a1).find("session expired")) != std::string::npos; }, 10s));
  CHECK(a1.subnet() == subnet);
  CHECK(overlay_bed::ping(p1.ns(), p2.ip(), 1000ms));
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: an exhausted pool is reported, the plugin then creates nothing, a release frees a subnet",
          "[overlay]") {
  auto o = options();
  o.subnet = "10.97.0.0/22";  // four /24s
  Bed bed(o);
  for (int i = 1; i <= 4; ++i) bed.agent(i).start();
  for (int i = 1; i <= 4; ++i) REQUIRE(bed.agent(i).wait_ready());
  auto& a5 = bed.agent(5);
  a5.start();
  REQUIRE(a5.wait_state("no-lease"));
  CHECK(a5.state()["message"].get<std::string>().find("every /24 of 10.97.0.0/22 is leased") != std::string::npos);
  {
    overlay_bed::Netns pod("ovp");
    auto r = a5.plugin("ADD", "p5", pod.path(), a5.plugin_conf());
    CHECK(r.rc != 0);
    auto err = json::parse(r.out);
    CHECK(err["code"] == 11);
    CHECK(err["msg"] == "the overlay network \"ovl\" has no subnet on this agent (state no-lease)");
    CHECK(nothing_created(a5, pod));
  }

  // A live node's lease is not released by accident.
  auto refused = bed.ctl({"lease", "release", "ovl", "a4"});
  CHECK(refused.rc == 1);
  CHECK(refused.err.find("node \"a4\" is alive") != std::string::npos);

  const auto freed = bed.agent(4).subnet();
  bed.agent(4).stop();
  // The daemon's exit closes its session; the server drops alive/a4 a moment later.
  REQUIRE(eventually([&] { return lease_of(bed.show(), "a4")["alive"] == false; }, 10s));
  auto rel = bed.ctl({"lease", "release", "ovl", "a4"});
  INFO(rel.err);
  REQUIRE(rel.rc == 0);
  // The waiting agent is told at once (a watch), not at its next retry.
  REQUIRE(a5.wait_ready(4s));
  CHECK(a5.subnet() == freed);
  bed.remove_agent(4);
  Pod p1(bed.agent(1), "p1", bed.agent(1).plugin_conf());
  Pod p5(a5, "p5", a5.plugin_conf());
  CHECK(reaches(p1, p5));
  check_peers(bed.agent(1), {&bed.agent(2), &bed.agent(3), &a5});
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: a released lease disappears from every peer's routes, neighbours and FDB", "[overlay]") {
  Bed bed(options());
  for (int i = 1; i <= 3; ++i) bed.agent(i).start();
  for (int i = 1; i <= 3; ++i) REQUIRE(bed.agent(i).wait_ready());
  auto &a1 = bed.agent(1), &a2 = bed.agent(2), &a3 = bed.agent(3);
  check_peers(a1, {&a2, &a3});
  check_peers(a2, {&a1, &a3});
  a3.stop();
  REQUIRE(eventually([&] { return lease_of(bed.show(), "a3")["alive"] == false; }, 10s));
  REQUIRE(bed.ctl({"lease", "release", "ovl", "a3"}).rc == 0);
  check_peers(a1, {&a2});
  check_peers(a2, {&a1});
  CHECK(bed.show()["leases"].size() == 2);
  // Releasing again says there is nothing to release.
  auto again = bed.ctl({"lease", "release", "ovl", "a3"});
  CHECK(again.rc == 1);
  CHECK(again.err.find("holds no lease") != std::string::npos);
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: a daemon killed with SIGKILL at random moments never leaks or duplicates a lease", "[overlay]") {
  Bed bed(options());
  auto& a1 = bed.agent(1);
  auto& a2 = bed.agent(2);
  a1.start();
  REQUIRE(a1.wait_ready());
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(0, test::sanitized() ? 600 : 250);
  std::string first;
  const int rounds = test::sanitized() ? 4 : 10;
  for (int i = 0; i < rounds; ++i) {
    a2.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    a2.stop(SIGKILL);
    auto show = bed.show();
    INFO("round " << i << ": " << show.dump());
    CHECK(show["leases"].size() <= 2);
    auto l = lease_of(show, "a2");
    if (l.is_object()) {
      if (first.empty()) first = l["subnet"];
      CHECK(l["subnet"] == first);  // once claimed, a2's subnet never moves
    }
  }
  a2.start();
  REQUIRE(a2.wait_ready());
  if (!first.empty()) CHECK(a2.subnet() == first);
  auto show = bed.show();
  REQUIRE(show["leases"].size() == 2);
  CHECK(lease_of(show, "a1")["subnet"] == a1.subnet());
  CHECK(lease_of(show, "a2")["subnet"] == a2.subnet());
  Pod p1(a1, "p1", a1.plugin_conf());
  Pod p2(a2, "p2", a2.plugin_conf());
  CHECK(reaches(p1, p2));
  check_peers(a1, {&a2});
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: a node that comes back on a new underlay address leaves no stale FDB row", "[overlay]") {
  TwoAgents t(options(), false);
  auto& bed = t.bed;
  auto &a1 = t.a1, &a2 = t.a2;
  const auto subnet = a2.subnet();
  CHECK(eventually([&] { return a1.fdb() == std::vector<std::string>{"0e:cc:c0:00:02:02"}; }, 10s));
  a2.stop();
  // The same node (ID a2) on another machine address: its lease moves with it.
  auto& moved = bed.agent(7);
  moved.set_node_id("a2");
  moved.start();
  REQUIRE(moved.wait_ready());
  CHECK(moved.subnet() == subnet);
  CHECK(eventually([&] { return a1.fdb() == std::vector<std::string>{"0e:cc:c0:00:02:07"}; }, 10s));
  CHECK(a1.routes() == std::vector<std::string>{subnet});
  auto l = lease_of(bed.show(), "a2");
  CHECK(l["underlayIP"] == "192.0.2.7");
  CHECK(l["vtepMAC"] == "0e:cc:c0:00:02:07");
  Pod p1(a1, "p1", a1.plugin_conf());
  Pod p7(moved, "p7", moved.plugin_conf());
  CHECK(reaches(p1, p7));
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: the daemon repairs kernel entries and a device removed by hand", "[overlay]") {
  auto o = options();
  o.resync_seconds = 1;
  TwoAgents t(o);
  auto& bed = t.bed;
  auto &a1 = t.a1, &a2 = t.a2;
  check_peers(a1, {&a2});
  a1.ns().exec("ip route del " + a2.subnet() + " dev cnipp.1");
  a1.ns().exec("bridge fdb del 0e:cc:c0:00:02:02 dev cnipp.1");
  check_peers(a1, {&a2});
  // A stranger's route on the overlay's device goes too.
  a1.ns().exec("ip route add 10.96.250.0/24 via 10.96.250.0 dev cnipp.1 onlink");
  check_peers(a1, {&a2});
  a1.ns().exec("ip link del cnipp.1");
  check_peers(a1, {&a2});
  CHECK(reaches(*t.p1, *t.p2));
  CHECK(bed.stop_all() == "");
}

TEST_CASE("cnipp-overlay: a Mesos .conf without cniVersion, CHECK, DEL without the netns, DEL twice", "[overlay]") {
  Bed bed(options());
  auto& a1 = bed.agent(1);
  a1.start();
  REQUIRE(a1.wait_ready());
  const auto subnet = a1.subnet();
  const auto prefix = subnet.substr(0, subnet.rfind('.') + 1);
  auto conf = a1.plugin_conf("");  // Mesos's documented configs carry no cniVersion: 0.1.0
  conf["args"] = {{"org.apache.mesos", {{"network_info", {{"name", "ovl"}}}}}};
  overlay_bed::Netns pod("ovp");
  auto add = a1.plugin("ADD", "mesos1", pod.path(), conf);
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  auto r = json::parse(add.out);
  CHECK(r["cniVersion"] == "0.1.0");
  const std::string ip = r["ip4"]["ip"];
  CHECK(ip.rfind(prefix, 0) == 0);
  CHECK(r["ip4"]["gateway"] == prefix + "1");
  CHECK(test::list_dir(a1.data_dir() + "/ipam/ovl").size() >= 2);  // the lease (and lock)
  CHECK(a1.ns().exec("nft list table inet cni_plugins_masquerade").find("ip daddr != 10.96.0.0/16 masquerade") !=
        std::string::npos);

  // DEL after the container's netns is gone: the lease, the rules and the record go.
  std::string pod_path = pod.path();
  {
    overlay_bed::Netns other("ovp");  // keep `pod` for the second round; drop a fresh one here
    auto add2 = a1.plugin("ADD", "mesos2", other.path(), conf);
    REQUIRE(add2.rc == 0);
  }
  auto del2 = a1.plugin("DEL", "mesos2", "/var/run/netns/gone", conf);
  CHECK(del2.rc == 0);
  auto del = a1.plugin("DEL", "mesos1", pod_path, conf);
  CHECK(del.rc == 0);
  CHECK(a1.plugin("DEL", "mesos1", pod_path, conf).rc == 0);  // again: nothing left, still fine
  int rc = 0;
  pod.exec("ip link show eth0 >/dev/null 2>&1", &rc);
  CHECK(rc != 0);
  for (const auto& f : test::list_dir(a1.data_dir() + "/ipam/ovl")) CHECK(f.find(prefix) != 0);
  CHECK(test::list_dir(a1.data_dir() + "/attachments/ovl").empty());
  CHECK(a1.ns().exec("nft list table inet cni_plugins_masquerade 2>/dev/null").find("masquerade comment") ==
        std::string::npos);

  // CHECK (1.0.0) against the ADD's own result.
  auto conf1 = a1.plugin_conf("1.0.0");
  auto add3 = a1.plugin("ADD", "c3", pod.path(), conf1);
  REQUIRE(add3.rc == 0);
  auto conf_check = conf1;
  conf_check["prevResult"] = json::parse(add3.out);
  auto check = a1.plugin("CHECK", "c3", pod.path(), conf_check);
  INFO(check.out);
  CHECK(check.rc == 0);
  a1.ns().exec("nft flush chain inet cni_plugins_masquerade masq_checks");
  auto check2 = a1.plugin("CHECK", "c3", pod.path(), conf_check);
  CHECK(check2.rc != 0);
  // A record damaged by hand: DEL still releases the address, going by the state file.
  test::write_file(a1.data_dir() + "/attachments/ovl/c3:eth0.json", "{damaged");
  CHECK(a1.plugin("DEL", "c3", pod.path(), conf1).rc == 0);
  CHECK(test::list_dir(a1.data_dir() + "/attachments/ovl").empty());
  for (const auto& f : test::list_dir(a1.data_dir() + "/ipam/ovl")) CHECK(f.find(prefix) != 0);
  CHECK(bed.stop_all() == "");
}

TEST_CASE("cnipp-overlay: in a conflist through cnitool, with the reference tuning plugin after it", "[overlay]") {
  // And ZooKeeper's full connect string: two servers (one refusing) and a chroot.
  auto o = options();
  o.chroot = "/infra";
  o.dead_server = true;
  Bed bed(o);
  auto& a1 = bed.agent(1);
  a1.start();
  REQUIRE(a1.wait_ready());
  test::TempDir confdir, cache;
  json list{{"cniVersion", "1.0.0"}, {"name", "ovl"}, {"plugins", json::array()}};
  auto p = a1.plugin_conf("");
  p.erase("name");
  list["plugins"].push_back(p);
  list["plugins"].push_back({{"type", "tuning"}, {"sysctl", {{"net.ipv4.conf.eth0.arp_notify", "1"}}}});
  test::write_file(confdir / "10-ovl.conflist", list.dump());
  overlay_bed::Netns pod("ovp");
  std::map<std::string, std::string> env{{"NETCONFPATH", confdir.path},
                                         {"CNI_PATH", test::bin_dir() + ":" + CNIPP_REFERENCE_DIR},
                                         {"CNI_CACHE_DIR", cache.path},
                                         {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
  auto add = overlay_bed::run_in(a1.ns(), {test::ours("cnitool"), "add", "ovl", pod.path()}, env);
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  auto r = json::parse(add.out);
  CHECK(r["cniVersion"] == "1.0.0");
  CHECK(r["ips"][0]["address"].get<std::string>().rfind(a1.subnet().substr(0, 6), 0) == 0);
  CHECK(pod.exec("cat /proc/sys/net/ipv4/conf/eth0/arp_notify") == "1\n");
  auto check = overlay_bed::run_in(a1.ns(), {test::ours("cnitool"), "check", "ovl", pod.path()}, env);
  INFO(check.err);
  CHECK(check.rc == 0);
  auto del = overlay_bed::run_in(a1.ns(), {test::ours("cnitool"), "del", "ovl", pod.path()}, env);
  CHECK(del.rc == 0);
  CHECK(test::list_dir(a1.data_dir() + "/attachments/ovl").empty());
  CHECK(bed.zk_cli({"ls /infra/cnipp/ovl/subnets"}).find("[" + key_of(a1.subnet()) + "]") != std::string::npos);
  CHECK(bed.stop_all() == "");
}

TEST_CASE("cnipp-overlay: ipMasq masquerades traffic leaving the overlay, never traffic to other agents' pods",
          "[overlay]") {
  TwoAgents t;
  auto& bed = t.bed;
  auto& a1 = t.a1;
  auto &p1 = *t.p1, &p2 = *t.p2;
  // A UDP listener prints the source address of what it receives: in pod p2 (through the
  // overlay) and on the underlay switch (leaving the overlay).
  const std::string listen =
      "import socket,sys;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('0.0.0.0',7777));"
      "d,a=s.recvfrom(100);print(a[0],flush=True)";
  const std::string send =
      "import socket,sys,time\nfor i in range(100):\n s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);"
      "s.sendto(b'x',(sys.argv[1],7777));time.sleep(0.05)";
  auto source_seen = [&](const overlay_bed::Netns& where, const std::string& dst) {
    const std::string log = bed.dir() + "/udp-" + where.name();
    overlay_bed::Process server(where, {"/usr/bin/python3", "-c", listen}, log);
    overlay_bed::Process client(p1.ns(), {"/usr/bin/python3", "-c", send, dst}, "/dev/null");
    server.wait(10s);
    auto text = test::read_file(log);
    return text.substr(0, text.find('\n'));
  };
  CHECK(source_seen(p2.ns(), p2.ip()) == p1.ip());
  CHECK(source_seen(bed.switch_ns(), "192.0.2.100") == a1.ip());
  CHECK(bed.stop_all() == "");
}

TEST_CASE("cnipp-overlay: STATUS says whether the agent has a subnet, GC drops what the runtime no longer knows",
          "[overlay]") {
  Bed bed(options());
  auto& a1 = bed.agent(1);
  a1.start();
  REQUIRE(a1.wait_ready());
  auto conf = a1.plugin_conf("1.1.0");
  overlay_bed::Netns n1("ovp"), n2("ovp");
  CHECK(a1.plugin("STATUS", "", "", conf).rc == 0);
  auto nowhere = conf;
  nowhere["stateDir"] = bed.dir() + "/no-daemon-here";
  auto st = a1.plugin("STATUS", "", "", nowhere);
  CHECK(st.rc != 0);
  CHECK(json::parse(st.out)["code"] == 50);

  auto r1 = a1.plugin("ADD", "c1", n1.path(), conf);
  auto r2 = a1.plugin("ADD", "c2", n2.path(), conf);
  REQUIRE(r1.rc == 0);
  REQUIRE(r2.rc == 0);
  const std::string ip2 = json::parse(r2.out)["ips"][0]["address"].get<std::string>();
  auto gc = conf;
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "c1"}, {"ifname", "eth0"}}});
  auto g = a1.plugin("GC", "", "", gc);
  INFO(g.out);
  CHECK(g.rc == 0);
  CHECK(test::list_dir(a1.data_dir() + "/attachments/ovl") == std::vector<std::string>{"c1:eth0.json"});
  auto leases = test::list_dir(a1.data_dir() + "/ipam/ovl");
  CHECK(std::find(leases.begin(), leases.end(), ip2.substr(0, ip2.find('/'))) == leases.end());
  auto rules = a1.ns().exec("nft list chain inet cni_plugins_masquerade masq_checks");
  CHECK(count(rules, "id: c1\"") == 1);
  CHECK(count(rules, "id: c2\"") == 0);
  CHECK(a1.plugin("DEL", "c1", n1.path(), conf).rc == 0);
  CHECK(bed.stop_all() == "");
}
