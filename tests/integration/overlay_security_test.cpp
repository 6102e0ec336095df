// Overlay security (docs/overlay.md, "Security"): ZooKeeper digest authentication and ACLs,
// lease data treated as untrusted, and the plugin's checks of the state file. On the same
// test bed as overlay_test.cpp: a real ZooKeeper, agents and pods in namespaces. Writes "by
// hand" go through ZooKeeper's own command-line client, as an operator's or an intruder's.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <thread>

#include "overlay_lab.hpp"

using namespace overlay_lab;

namespace {

std::string lease_data(const std::string& node, const std::string& subnet, const std::string& ip, const std::string& mac) {
  return json{{"node", node}, {"subnet", subnet}, {"underlayIP", ip}, {"vtepMAC", mac}}.dump();
}

// Every agent's main routing table, for "nothing changed".
std::map<std::string, std::string> route_tables(const std::vector<Agent*>& agents) {
  std::map<std::string, std::string> out;
  for (auto* a : agents) out[a->node_id()] = a->ns().exec("ip route show table main");
  return out;
}

void write_auth(const std::string& path, const std::string& line, unsigned mode, uid_t owner = 0) {
  std::ofstream(path) << line;
  REQUIRE(chown(path.c_str(), owner, 0) == 0);
  REQUIRE(chmod(path.c_str(), mode) == 0);
}

}  // namespace

TEST_CASE("overlay auth: an anonymous client can read but not create, change or delete the overlay's znodes",
          "[overlay][security]") {
  TwoAgents t(options("cnipp:s3cret-pw"));
  auto& bed = t.bed;
  auto& a1 = t.a1;
  auto &p1 = *t.p1, &p2 = *t.p2;
  const auto before = bed.show();
  const std::string k1 = "/cnipp/ovl/subnets/" + key_of(a1.subnet());
  const auto forged = lease_data("evil", "10.96.250.0/24", "192.0.2.66", "0e:cc:c0:00:02:42");

  auto out = bed.zk_cli({"getAcl " + k1, "getAcl /cnipp/ovl/alive/a1", "getAcl /cnipp",
                         "create /cnipp/evil x",
                         "create /cnipp/ovl/subnets/10.96.250.0-24 " + forged,
                         "set /cnipp/ovl/config {\"subnet\":\"0.0.0.0/1\"}",
                         "set " + k1 + " garbage",
                         "delete " + k1,
                         "delete /cnipp/ovl/nodes/a1",
                         "delete /cnipp/ovl/alive/a1",
                         "delete /cnipp/ovl/config",
                         "setAcl " + k1 + " world:anyone:cdrwa",
                         "get /cnipp/ovl/config"});
  INFO(out);
  CHECK(count(out, "Insufficient permission") == 9);
  // Only the digest identity may write; anyone may read (the config came back).
  CHECK(count(out, "'digest,'cnipp:") == 3);
  CHECK(count(out, "'world,'anyone\n: r\n") == 3);
  CHECK(out.find("{\"subnet\":\"10.96.0.0/16\",\"subnetLen\":24,\"vni\":1,\"port\":4789}") != std::string::npos);

  // The ctl without credentials is refused too, and says why.
  auto rel = bed.ctl({"lease", "release", "--force", "ovl", "a1"}, false);
  CHECK(rel.rc == 1);
  CHECK(rel.err.find("pass the --auth-file") != std::string::npos);
  CHECK(bed.ctl({"network", "create", "other", "--subnet", "10.98.0.0/16", "--subnet-len", "24"}, false).rc == 1);
  CHECK(bed.ctl({"network", "show", "ovl"}, false).rc == 0);  // reading is open

  // Nothing moved.
  CHECK(bed.show() == before);
  CHECK(reaches(p1, p2));
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay auth: a daemon authenticates again on a new session, wrong credentials write nothing",
          "[overlay][security]") {
  TwoAgents t(options("cnipp:s3cret-pw"), false);
  auto& bed = t.bed;
  auto& a1 = t.a1;
  // Frozen past the session timeout: the new session must authenticate, or it could not
  // recreate alive/a1 under alive/, which only the digest identity may write.
  a1.daemon()->signal(SIGSTOP);
  CHECK(eventually([&] { return lease_of(bed.show(), "a1")["alive"] == false; }, 15s));
  a1.daemon()->signal(SIGCONT);
  CHECK(eventually([&] { return lease_of(bed.show(), "a1")["alive"] == true; }, 15s));

  // The right user with another password is another identity: it may not claim a subnet.
  const std::string wrong = bed.dir() + "/wrong-auth";
  write_auth(wrong, "digest cnipp:not-the-password\n", 0600);
  auto& a3 = bed.agent(3);
  a3.set_auth_file(wrong);
  a3.start();
  REQUIRE(a3.wait_state("error"));
  CHECK(a3.state()["message"].get<std::string>().find("ZooKeeper refused this daemon's writes") != std::string::npos);
  CHECK(bed.show()["leases"].size() == 2);
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay auth: acl apply secures an open network and rotates its password", "[overlay][security]") {
  TwoAgents t;  // created without authentication: open to anyone
  auto& bed = t.bed;
  auto &a1 = t.a1, &a2 = t.a2;
  auto &p1 = *t.p1, &p2 = *t.p2;
  const std::string k1 = "/cnipp/ovl/subnets/" + key_of(a1.subnet());
  CHECK(count(bed.zk_cli({"set " + k1 + " " + lease_data("a1", a1.subnet(), "192.0.2.1", "0e:cc:c0:00:02:01")}),
              "Insufficient permission") == 0);

  const std::string old_auth = bed.dir() + "/old-auth", new_auth = bed.dir() + "/new-auth";
  write_auth(old_auth, "digest cnipp:old-password\n", 0600);
  write_auth(new_auth, "digest cnipp:new-password\n", 0600);
  // 1. Turn authentication on: from now on only "old" may write.
  auto r = bed.ctl({"--auth-file", old_auth, "acl", "apply", "ovl"}, false);
  INFO(r.err);
  REQUIRE(r.rc == 0);
  CHECK(count(bed.zk_cli({"create /cnipp/ovl/subnets/10.96.250.0-24 x", "delete /cnipp/ovl/alive/a2",
                          "create /cnipp/evil x"}),
              "Insufficient permission") == 3);
  for (auto* a : {&a1, &a2}) {
    a->stop();
    a->set_auth_file(old_auth);
    a->start();
    REQUIRE(a->wait_ready());
  }
  // 2. Rotation: both passwords may write while agents move to the new one...
  auto both = bed.ctl({"--auth-file", old_auth, "acl", "apply", "ovl", "--also-auth-file", new_auth}, false);
  INFO(both.err);
  REQUIRE(both.rc == 0);
  CHECK(count(bed.zk_cli({"getAcl " + k1}), "'digest,'cnipp:") == 2);
  a1.stop();
  a1.set_auth_file(new_auth);
  a1.start();
  REQUIRE(a1.wait_ready());
  CHECK(eventually([&] { return lease_of(bed.show(), "a1")["alive"] == true; }, 10s));
  // 3. ...then the old one is dropped. An agent still on it keeps its datapath.
  auto only_new = bed.ctl({"--auth-file", new_auth, "acl", "apply", "ovl"}, false);
  INFO(only_new.err);
  REQUIRE(only_new.rc == 0);
  CHECK(count(bed.zk_cli({"getAcl " + k1}), "'digest,'cnipp:") == 1);
  CHECK(count(bed.zk_cli({"create /cnipp/ovl/subnets/10.96.251.0-24 x"}, "cnipp:old-password"),
              "Insufficient permission") == 1);
  CHECK(count(bed.zk_cli({"create /cnipp/ovl/subnets/10.96.251.0-24 x", "delete /cnipp/ovl/subnets/10.96.251.0-24"},
                         "cnipp:new-password"),
              "Insufficient permission") == 0);
  CHECK(reaches(p1, p2));
  a2.stop();
  a2.set_auth_file(new_auth);
  a2.start();
  REQUIRE(a2.wait_ready());
  CHECK(reaches(p2, p1));
  CHECK(bed.stop_all() == "");
}

TEST_CASE("overlay: forged or garbled leases change no route on any agent, kill no daemon, traffic flows",
          "[overlay][security]") {
  auto o = options();  // no authentication: the checks are the only defence
  o.resync_seconds = 1;
  Bed bed(o);
  auto &a1 = bed.agent(1), &a2 = bed.agent(2), &a3 = bed.agent(3);
  for (auto* a : {&a1, &a2, &a3}) a->start();
  for (auto* a : {&a1, &a2, &a3}) REQUIRE(a->wait_ready());
  Pod p1(a1, "p1", a1.plugin_conf());
  Pod p2(a2, "p2", a2.plugin_conf());
  Pod p3(a3, "p3", a3.plugin_conf());
  for (auto* from : {&p1, &p2, &p3})
    for (auto* to : {&p1, &p2, &p3})
      if (from != to) REQUIRE(reaches(*from, *to));
  const std::vector<Agent*> agents{&a1, &a2, &a3};
  REQUIRE(eventually([&] { return a1.routes().size() == 2 && a2.routes().size() == 2 && a3.routes().size() == 2; }, 10s));
  const auto before = route_tables(agents);
  const auto show_before = bed.show();

  const std::string base = "/cnipp/ovl/subnets/";
  std::string free_key = "10.96.254.0-24", garbage_key = "10.96.253.0-24";
  auto out = bed.zk_cli({
      // a3's own lease claims the default route, a2's claims a1's subnet, a1's becomes garbage
      "set " + base + key_of(a3.subnet()) + " " + lease_data("a3", "0.0.0.0/0", "192.0.2.3", "0e:cc:c0:00:02:03"),
      "set " + base + key_of(a2.subnet()) + " " + lease_data("a2", a1.subnet(), "192.0.2.2", "0e:cc:c0:00:02:02"),
      "set " + base + key_of(a1.subnet()) + " garbage",
      // new znodes: a default route, one claiming a1's node ID, garbage, a multicast underlay
      "create " + base + "0.0.0.0-0 " + lease_data("evil", "0.0.0.0/0", "192.0.2.66", "0e:cc:c0:00:02:42"),
      "create " + base + free_key + " " + lease_data("a1", "10.96.254.0/24", "192.0.2.67", "0e:cc:c0:00:02:43"),
      "create " + base + garbage_key + " {{{",
      "create " + base + "10.96.252.0-24 " + lease_data("m", "10.96.252.0/24", "224.0.0.5", "0e:cc:c0:00:02:44"),
  });
  INFO(out);
  CHECK(count(out, "Created ") == 4);

  // Every owner writes its own lease back; everyone ignores the rest, and says so once.
  CHECK(eventually([&] {
    auto show = bed.show();
    return lease_of(show, "a1")["subnet"] == a1.subnet() && lease_of(show, "a2")["subnet"] == a2.subnet() &&
           lease_of(show, "a3")["subnet"] == a3.subnet();
  }, 10s));
  // Each agent says so once it has seen them (bounded wait: a loaded machine is slow), and
  // still once after two more full checks (--resync-seconds 1) with the forgeries in place.
  for (auto* a : agents) {
    CHECK(eventually([&] {
      auto log = test::read_file(a->log_path());
      return count(log, "ignoring lease /cnipp/ovl/subnets/0.0.0.0-0:") >= 1 &&
             count(log, "ignoring lease /cnipp/ovl/subnets/" + garbage_key + ":") >= 1 &&
             count(log, "ignoring lease /cnipp/ovl/subnets/10.96.252.0-24:") >= 1;
    }, 20s));
  }
  std::this_thread::sleep_for(2500ms);
  for (auto* a : agents) {
    INFO("agent " << a->node_id());
    auto log = test::read_file(a->log_path());
    CHECK(a->daemon()->running());
    CHECK(count(log, "ignoring lease /cnipp/ovl/subnets/0.0.0.0-0: lease claims a default route") == 1);
    CHECK(count(log, "ignoring lease /cnipp/ovl/subnets/" + garbage_key + ":") == 1);
    CHECK(count(log, "ignoring lease /cnipp/ovl/subnets/10.96.252.0-24: lease underlay address \"224.0.0.5\"") == 1);
  }
  CHECK(test::read_file(a1.log_path()).find("ignoring lease /cnipp/ovl/subnets/" + free_key + ": claims this agent's node ID") != std::string::npos);
  CHECK(test::read_file(a2.log_path()).find("lease " + key_of(a2.subnet()) + " was rewritten by someone else; restoring it") != std::string::npos);
  CHECK(route_tables(agents) == before);
  for (auto* from : {&p1, &p2, &p3})
    for (auto* to : {&p1, &p2, &p3})
      if (from != to) CHECK(overlay_bed::ping(from->ns(), to->ip(), 1000ms));
  // The forgeries stay visible to operators, marked as the agents see them.
  std::map<std::string, std::string> errors;
  const auto final_show = bed.show();
  INFO(final_show.dump());
  for (const auto& l : final_show["leases"])
    if (l.contains("error")) errors[l["znode"]] = l["error"];
  CHECK(errors.size() == 4);
  CHECK(errors[free_key].find("repeats the node ID \"a1\" of the older lease") != std::string::npos);
  CHECK(errors["0.0.0.0-0"] == "lease claims a default route");

  // The network's definition rewritten: another VNI, then garbage. A network's range, length,
  // VNI and port are fixed, so the daemons keep what they have.
  auto logged_by_all = [&](const std::string& line) {
    return eventually([&] {
      return std::all_of(agents.begin(), agents.end(),
                         [&](auto* a) { return count(test::read_file(a->log_path()), line) >= 1; });
    }, 20s);
  };
  bed.zk_cli({"set /cnipp/ovl/config {\"subnet\":\"10.96.0.0/16\",\"subnetLen\":24,\"vni\":7,\"port\":4789}"});
  CHECK(logged_by_all("ignoring the network config /cnipp/ovl/config: it changed to"));
  bed.zk_cli({"set /cnipp/ovl/config garbage"});
  CHECK(logged_by_all("ignoring the network config /cnipp/ovl/config: failed to decode"));
  std::this_thread::sleep_for(1500ms);  // a full check more: still said once
  for (auto* a : agents) {
    INFO("agent " << a->node_id());
    auto log = test::read_file(a->log_path());
    CHECK(count(log, "ignoring the network config /cnipp/ovl/config: it changed to") == 1);
    CHECK(count(log, "ignoring the network config /cnipp/ovl/config: failed to decode") == 1);
    CHECK(a->state()["state"] == "ok");
    CHECK(json::parse(a->ns().exec("ip -j -d link show cnipp.1"))[0]["linkinfo"]["info_data"]["id"] == 1);
  }
  CHECK(route_tables(agents) == before);
  CHECK(overlay_bed::ping(p1.ns(), p3.ip(), 1000ms));
  CHECK(bed.stop_all() == "");
}

TEST_CASE("cnipp-overlay refuses a state file it cannot trust, and creates nothing", "[overlay][security]") {
  Bed bed(options());
  auto& a1 = bed.agent(1);
  a1.start();
  REQUIRE(a1.wait_ready());
  a1.stop();  // the file stays as the tests below leave it
  const std::string path = a1.state_dir() + "/ovl.json";
  const std::string good = test::read_file(path);
  auto add_fails = [&](const std::string& what) {
    overlay_bed::Netns pod("ovp");
    auto r = a1.plugin("ADD", "c1", pod.path(), a1.plugin_conf());
    INFO(what << ": " << r.out);
    CHECK(r.rc != 0);
    int rc = 0;
    pod.exec("ip link show eth0 >/dev/null 2>&1", &rc);
    CHECK(rc != 0);
    CHECK(test::list_dir(a1.data_dir()).empty());
    return r.out.empty() ? json() : json::parse(r.out);
  };
  chmod(path.c_str(), 0666);
  auto e = add_fails("world-writable");
  CHECK(e["code"] == 4);
  CHECK(e["msg"] == "refusing the overlay state file " + path);
  CHECK(e["details"].get<std::string>().find("with mode 0666") != std::string::npos);
  chmod(path.c_str(), 0620);
  CHECK(add_fails("group-writable")["code"] == 4);
  chmod(path.c_str(), 0644);
  REQUIRE(chown(path.c_str(), 65534, 0) == 0);
  CHECK(add_fails("owned by nobody")["details"].get<std::string>().find("owned by uid 65534") != std::string::npos);
  REQUIRE(chown(path.c_str(), 0, 0) == 0);
  // Root-owned, but the content is not a subnet of the overlay.
  auto j = json::parse(good);
  j["subnet"] = "10.97.3.0/24";
  test::write_file(path, j.dump());
  e = add_fails("subnet outside the overlay");
  CHECK(e["code"] == 6);
  CHECK(e["msg"].get<std::string>().find("is not a subnet of the overlay") != std::string::npos);
  j["subnet"] = "0.0.0.0/0";
  test::write_file(path, j.dump());
  CHECK(add_fails("default route")["code"] == 6);
  // A symlink is not followed.
  test::write_file(path + ".real", good);
  unlink(path.c_str());
  REQUIRE(symlink((path + ".real").c_str(), path.c_str()) == 0);
  CHECK(add_fails("symlink")["code"] == 5);
  unlink(path.c_str());
  test::write_file(path, good);
  overlay_bed::Netns pod("ovp");
  auto ok = a1.plugin("ADD", "c1", pod.path(), a1.plugin_conf());
  CHECK(ok.rc == 0);
  CHECK(a1.plugin("DEL", "c1", pod.path(), a1.plugin_conf()).rc == 0);
}

TEST_CASE("cnipp-overlayd and cnipp-overlayctl refuse an auth file others may read, or not owned by root",
          "[overlay][security]") {
  test::TempDir dir;
  const std::string f = dir / "auth";
  // Both run in a namespace of their own with only loopback up, so the one connection they
  // try (a closed port on its 127.0.0.1) goes nowhere near the host's network.
  test::TestNetns ns("ova");
  ns.exec("ip link set lo up");
  auto in_ns = [&](const std::string& binary, std::vector<std::string> args) {
    args.insert(args.begin(), {"netns", "exec", ns.name, test::ours(binary)});
    return test::run("/bin/ip", {{"PATH", "/usr/bin:/bin"}}, "", args);
  };
  auto ctl = [&] {
    return in_ns("cnipp-overlayctl",
                 {"--zookeeper", "127.0.0.1:1", "--timeout-ms", "100", "--auth-file", f, "network", "list"});
  };
  auto daemon = [&] {
    return in_ns("cnipp-overlayd",
                 {"--zookeeper", "127.0.0.1:1", "--network", "n", "--underlay-ip", "127.0.0.1", "--auth-file", f});
  };
  const std::string refused = "must be owned by root and not accessible to group or others";
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    write_auth(f, "digest u:p\n", mode);
    auto r = ctl();
    INFO("mode " << std::oct << mode << ": " << r.err);
    CHECK(r.rc == 1);
    CHECK(r.err.find(refused) != std::string::npos);
  }
  write_auth(f, "digest u:p\n", 0600, 65534);
  CHECK(ctl().err.find("owned by uid 65534") != std::string::npos);
  auto d = daemon();
  CHECK(d.rc == 1);
  CHECK(d.err.find("fatal: auth file " + f + ": " + refused) != std::string::npos);
  write_auth(f, "sasl u:p\n", 0600);
  CHECK(ctl().err.find("unsupported scheme \"sasl\"") != std::string::npos);
  write_auth(f, "digest u:p\ndigest v:q\n", 0600);
  CHECK(ctl().err.find("exactly one line") != std::string::npos);
  unlink(f.c_str());
  CHECK(ctl().err.find("does not exist") != std::string::npos);
  // A good file gets as far as trying to connect, and a server that refuses connections is
  // "cannot reach", not an authentication failure (the library refuses credentials between
  // two connection attempts, which the refused port makes likely): a few tries to see it.
  write_auth(f, "digest u:p\n", 0600);
  for (int i = 0; i < 5; ++i) {
    auto r = ctl();
    INFO(r.err);
    CHECK(r.rc == 1);
    CHECK(r.err.find("cannot reach ZooKeeper") != std::string::npos);
  }
}
