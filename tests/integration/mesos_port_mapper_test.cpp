// mesos-cni-port-mapper under the Mesos isolator's convention (replaced environment, a
// bind-mounted ns file, no cniVersion, the checkpointed config replayed on DEL), with the
// configs Marathon and Mesos document, and against a mock delegate that records what it is
// given. Each fix over Mesos's plugin has a case: every excluded device, "udp,tcp", IPv6,
// the agent through its own address, a newer result, rollback, two networks on one chain,
// CHECK and VERSION answered.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <catch2/catch.hpp>

#include "hostport_lab.hpp"
#include "mesos_lab.hpp"

using namespace hostport_test;
using mesos_test::MesosContainer;

namespace {

const std::string kChain = "MESOS-TEST-PORT-MAPPER-CHAIN";

// The environment the isolator gives a plugin, and nothing else.
test::Env mesos_env(const std::string& cmd, const std::string& id, const std::string& netns, const std::string& ifname,
                    const std::string& cni_path) {
  test::Env env{{"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_PATH", cni_path}, {"CNI_IFNAME", ifname},
                {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
  if (!netns.empty()) env["CNI_NETNS"] = netns;
  return env;
}

// Marathon's documented mesos-bridge config (docs/docs/networking.md) on the lab's bridge.
json marathon_conf(const Lab& lab, const json& port_mappings, bool dual_stack = false) {
  json ranges = json::array({json::array({{{"subnet", kSubnetV4}}})});
  json routes = json::array({{{"dst", "0.0.0.0/0"}}});
  if (dual_stack) {
    ranges.push_back(json::array({{{"subnet", kSubnetV6}}}));
    routes.push_back({{"dst", "::/0"}});
  }
  return {{"name", "mesos-bridge"},
          {"type", "mesos-cni-port-mapper"},
          {"excludeDevices", json::array({lab.br})},
          {"chain", kChain},
          {"delegate",
           {{"type", "bridge"},
            {"bridge", lab.br},
            {"isGateway", true},
            {"ipMasq", true},
            {"hairpinMode", true},
            {"ipam", {{"type", "host-local"}, {"dataDir", lab.data / "ipam"}, {"ranges", ranges}, {"routes", routes}}}}},
          {"args", {{"org.apache.mesos", {{"network_info", {{"name", "mesos-bridge"}, {"port_mappings", port_mappings}}}}}}}};
}

struct MapperLab : Lab {
  test::RunResult call(const std::string& cmd, const std::string& id, const std::string& netns, const json& conf,
                       const std::string& ifname = "eth0", const std::string& cni_path = test::bin_dir()) const {
    return test::run("/usr/bin/ip", mesos_env(cmd, id, netns, ifname, cni_path), conf.dump(),
                     {"netns", "exec", host.name, test::ours("mesos-cni-port-mapper")});
  }
  std::string chain(const std::string& name = kChain) const { return nat_rules(name); }
};

// Mesos reads only ip4/ip6/dns from stdout; ip4.ip is the task's address.
std::string task_ip4(const test::RunResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.rc == 0);
  auto j = r.json();
  REQUIRE(j.contains("ip4"));
  auto ip = j["ip4"]["ip"].get<std::string>();
  return ip.substr(0, ip.find('/'));
}

}  // namespace

TEST_CASE("mesos-cni-port-mapper: Marathon's mesos-bridge config under the isolator's convention", "[mesos][portmap]") {
  MapperLab lab;
  MesosContainer task;
  const auto mappings = json::array({{{"host_port", 8080}, {"container_port", 80}},
                                     {{"host_port", 5353}, {"container_port", 53}, {"protocol", "udp"}},
                                     {{"host_port", 9090}, {"container_port", 90}, {"protocol", "udp,tcp"}},
                                     {{"host_port", 8443}, {"container_port", 443}, {"protocol", "TCP"}}});
  const auto conf = marathon_conf(lab, mappings);
  const auto ip = task_ip4(lab.call("ADD", task.id, task.ns_file, conf));
  CHECK(ip.rfind("10.214.0.", 0) == 0);
  lab.settle(task.netns);
  Server srv(task.netns.name, "task", "80,90,443", "53,90");

  CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "task");       // no protocol: tcp
  CHECK(who(udp_from(lab.outside.name, kHostV4, 5353)) == "task");
  CHECK(who(tcp_from(lab.outside.name, kHostV4, 9090)) == "task");       // "udp,tcp": both
  CHECK(who(udp_from(lab.outside.name, kHostV4, 9090)) == "task");
  CHECK(who(tcp_from(lab.outside.name, kHostV4, 8443)) == "task");       // "TCP"
  CHECK(who(tcp_from(lab.host.name, kHostV4, 8080)) == "task");          // the agent, through its own address
  CHECK(tcp_from(lab.host.name, "127.0.0.1", 8080, 0.5) == "");          // not localhost, as Mesos's plugin
  CHECK(who(tcp_from(task.netns.name, kHostV4, 8080, 0.5)) != "task");   // the bridge is an excluded device

  // Destroy: DEL with the checkpointed config, then again after the ns file is gone.
  auto del = lab.call("DEL", task.id, task.ns_file, conf);
  INFO(del.out << del.err);
  CHECK(del.rc == 0);
  task.unmount();
  CHECK(lab.call("DEL", task.id, task.ns_file, conf).rc == 0);
  CHECK(lab.call("DEL", task.id, "", conf).rc == 0);
  CHECK(tcp_from(lab.outside.name, kHostV4, 8080, 0.5) == "");
  // The chain stays, empty (Mesos's test: `iptables -S <chain> | wc -l` == 1).
  const auto left = lab.chain();
  CHECK(left.find("chain " + kChain) != std::string::npos);
  CHECK(left.find("dnat") == std::string::npos);
  for (const auto& f : test::list_dir(lab.data / "ipam/mesos-bridge"))
    CHECK((f == "lock" || f.rfind("last_reserved_ip", 0) == 0));
}

TEST_CASE("mesos-cni-port-mapper: every excludeDevices entry is honoured, IPv6 is mapped", "[mesos][portmap]") {
  MapperLab lab;
  MesosContainer task;
  const auto mappings = json::array({{{"host_port", 8080}, {"container_port", 80}}});
  SECTION("the LAN link listed first, the bridge last (Mesos's plugin honours only the last)") {
    auto conf = marathon_conf(lab, mappings);
    conf["excludeDevices"] = json::array({lab.uplink, lab.br});
    task_ip4(lab.call("ADD", task.id, task.ns_file, conf));
    lab.settle(task.netns);
    Server srv(task.netns.name, "task", "80");
    CHECK(tcp_from(lab.outside.name, kHostV4, 8080, 0.5) == "");
    CHECK(who(tcp_from(task.netns.name, kHostV4, 8080, 0.5)) != "task");
    CHECK(who(tcp_from(lab.host.name, kHostV4, 8080)) == "task");
    CHECK(lab.call("DEL", task.id, task.ns_file, conf).rc == 0);
  }
  SECTION("a dual-stack delegate: the IPv6 address is mapped as well") {
    auto conf = marathon_conf(lab, mappings, true);
    task_ip4(lab.call("ADD", task.id, task.ns_file, conf));
    lab.settle(task.netns);
    Server srv(task.netns.name, "task", "80");
    CHECK(who(tcp_from(lab.outside.name, kHostV6, 8080)) == "task");
    CHECK(who(tcp_from(lab.outside.name, kHostV4, 8080)) == "task");
    CHECK(lab.call("DEL", task.id, task.ns_file, conf).rc == 0);
  }
}

namespace {

// A delegate that records its environment and stdin per command (and, on DEL, the port
// mapping rules it finds at that moment), and answers from a mode file.
struct MockDelegate {
  test::TempDir dir;
  std::string log = dir / "log";
  explicit MockDelegate(const std::string& mode = "v01") {
    std::filesystem::create_directories(dir / "bin");
    std::filesystem::create_directories(log);
    set_mode(mode);
    test::write_file(dir / "bin/mock", R"SH(#!/bin/sh
LOG=)SH" + log + R"SH(
env | sort > "$LOG/env.$CNI_COMMAND"
cat > "$LOG/stdin.$CNI_COMMAND"
[ "$CNI_COMMAND" = DEL ] && nft list table inet cnipp_hostport > "$LOG/rules-at-del" 2>/dev/null
mode=$(cat "$LOG/../mode")
case "$CNI_COMMAND:$mode" in
  ADD:v01) echo '{"ip4":{"ip":"10.214.0.5/24","gateway":"10.214.0.1"},"dns":{"nameservers":["10.214.0.1"]}}' ;;
  ADD:v1) echo '{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],"ips":[{"interface":0,"address":"10.214.0.6/24"},{"interface":0,"address":"fd00:214::6/64"}]}' ;;
  ADD:fail) echo '{"cniVersion":"0.4.0","code":11,"msg":"mock is busy"}'; exit 1 ;;
esac
exit 0
)SH");
    chmod((dir / "bin/mock").c_str(), 0755);
  }
  void set_mode(const std::string& m) const { test::write_file(dir / "mode", m); }
  std::string path() const { return dir / "bin"; }
  std::string read(const std::string& what) const { return test::read_file(log + "/" + what); }
  bool ran(const std::string& cmd) const { return access((log + "/env." + cmd).c_str(), F_OK) == 0; }
};

json mock_conf(const std::string& network = "mesos-bridge", const std::string& chain = kChain) {
  return {{"name", network},
          {"type", "mesos-cni-port-mapper"},
          {"chain", chain},
          {"excludeDevices", json::array({"mb-ex1", "mb-ex2"})},
          {"delegate", {{"type", "mock"}, {"someKey", "kept"}}},
          {"args",
           {{"org.apache.mesos",
             {{"network_info",
               {{"name", network}, {"port_mappings", json::array({{{"host_port", 8080}, {"container_port", 80}}})}}}}},
            {"other", 1}}}};
}

}  // namespace

TEST_CASE("mesos-cni-port-mapper: what the delegate gets, and what Mesos gets back", "[mesos][portmap]") {
  MapperLab lab;
  MockDelegate mock;
  const auto conf = mock_conf();
  auto add = lab.call("ADD", "c1", "/var/run/netns/x", conf, "eth0", mock.path());
  INFO(add.out << add.err);
  REQUIRE(add.rc == 0);
  // Mesos parses the 0.1.0 form: what the delegate said, nothing lost.
  auto out = add.json();
  CHECK(out["ip4"]["ip"] == "10.214.0.5/24");
  CHECK(out["ip4"]["gateway"] == "10.214.0.1");
  CHECK(out["dns"]["nameservers"] == json::array({"10.214.0.1"}));
  // The delegate's environment is replaced, as Mesos's plugin does.
  std::vector<std::string> keys;
  for (const auto& line : [&] {
         std::vector<std::string> v;
         std::istringstream in(mock.read("env.ADD"));
         for (std::string l; std::getline(in, l);) v.push_back(l);
         return v;
       }())
    keys.push_back(line.substr(0, line.find('=')));
  std::vector<std::string> allowed{"CNI_COMMAND", "CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH", "PATH", "PWD", "SHLVL", "_"};
  for (const auto& k : keys) {
    INFO("delegate saw " << k);
    CHECK(std::find(allowed.begin(), allowed.end(), k) != allowed.end());
  }
  // Its stdin: the delegate object with the outer name and args, no cniVersion added.
  auto in = json::parse(mock.read("stdin.ADD"));
  CHECK(in["type"] == "mock");
  CHECK(in["someKey"] == "kept");
  CHECK(in["name"] == "mesos-bridge");
  CHECK(in["args"] == conf["args"]);
  CHECK_FALSE(in.contains("cniVersion"));
  // The rules point at the delegate's address and skip both excluded devices.
  auto rules = lab.chain();
  CHECK(rules.find("dnat ip to 10.214.0.5:80") != std::string::npos);
  CHECK(rules.find("iifname != \"mb-ex1\"") != std::string::npos);
  CHECK(rules.find("iifname != \"mb-ex2\"") != std::string::npos);

  // DEL: the rules are gone before the delegate runs.
  auto del = lab.call("DEL", "c1", "", conf, "eth0", mock.path());
  INFO(del.out << del.err);
  CHECK(del.rc == 0);
  CHECK(del.out.empty());
  CHECK(mock.ran("DEL"));
  CHECK(mock.read("rules-at-del").find("10.214.0.5") == std::string::npos);
  CHECK_FALSE(mock.read("env.DEL").find("CNI_NETNS=") != std::string::npos);
}

TEST_CASE("mesos-cni-port-mapper: a delegate with a newer result, a failing delegate, rollback", "[mesos][portmap]") {
  MapperLab lab;
  MockDelegate mock;
  SECTION("an ips[] result (0.3.0 and later) works; both families are mapped") {
    mock.set_mode("v1");
    auto add = lab.call("ADD", "c1", "/var/run/netns/x", mock_conf(), "eth0", mock.path());
    INFO(add.out);
    REQUIRE(add.rc == 0);
    CHECK(add.json()["ip4"]["ip"] == "10.214.0.6/24");
    CHECK(add.json()["ip6"]["ip"] == "fd00:214::6/64");
    CHECK(lab.chain().find("dnat ip to 10.214.0.6:80") != std::string::npos);
    CHECK(lab.chain().find("dnat ip6 to [fd00:214::6]:80") != std::string::npos);
  }
  SECTION("the delegate fails: 102 with its message, nothing written") {
    mock.set_mode("fail");
    auto add = lab.call("ADD", "c1", "/var/run/netns/x", mock_conf(), "eth0", mock.path());
    CHECK(add.rc != 0);
    CHECK(add.json()["code"] == 102);
    CHECK(add.json()["msg"].get<std::string>().find("mock is busy") != std::string::npos);
    CHECK(lab.ruleset().empty());
  }
  SECTION("the rules cannot be written: 103, and the delegate's ADD is undone") {
    // A filter chain of that name in our table: the kernel refuses DNAT there.
    lab.host.exec("nft add table inet cnipp_hostport");
    lab.host.exec("nft add chain inet cnipp_hostport " + kChain + " '{ type filter hook forward priority 0; }'");
    auto add = lab.call("ADD", "c1", "/var/run/netns/x", mock_conf(), "eth0", mock.path());
    INFO(add.out);
    CHECK(add.rc != 0);
    CHECK(add.json()["code"] == 103);
    CHECK(mock.ran("DEL"));
  }
}

TEST_CASE("mesos-cni-port-mapper: errors carry Mesos's codes, CHECK, VERSION, GC are answered", "[mesos][portmap]") {
  MapperLab lab;
  MockDelegate mock;
  auto code_of = [&](const test::RunResult& r) {
    INFO(r.out << r.err);
    CHECK(r.rc != 0);
    return r.json()["code"].get<int>();
  };
  auto no_chain = mock_conf();
  no_chain.erase("chain");
  CHECK(code_of(lab.call("ADD", "c1", "/var/run/netns/x", no_chain, "eth0", mock.path())) == 101);
  auto bad_devices = mock_conf();
  bad_devices["excludeDevices"] = json::array({"ok", 5});
  CHECK(code_of(lab.call("ADD", "c1", "/var/run/netns/x", bad_devices, "eth0", mock.path())) == 101);
  auto bad_port = mock_conf();
  bad_port["args"]["org.apache.mesos"]["network_info"]["port_mappings"][0].erase("host_port");
  CHECK(code_of(lab.call("ADD", "c1", "/var/run/netns/x", bad_port, "eth0", mock.path())) == 101);
  auto no_delegate = lab.call("ADD", "c1", "/var/run/netns/x", mock_conf(), "eth0", lab.data.path);
  CHECK(code_of(no_delegate) == 101);
  CHECK(no_delegate.json()["msg"].get<std::string>().find("Could not find the delegate plugin 'mock'") != std::string::npos);
  CHECK(code_of(lab.call("ADD", "c1", "", mock_conf(), "eth0", mock.path())) == 101);  // CNI_NETNS missing
  CHECK(code_of(lab.call("FROB", "c1", "/var/run/netns/x", mock_conf(), "eth0", mock.path())) == 104);
  CHECK(lab.ruleset().empty());

  auto version = lab.call("VERSION", "", "", json::object(), "", mock.path());
  CHECK(version.rc == 0);
  CHECK(version.json()["supportedVersions"].size() == 7);

  auto conf = mock_conf();
  conf["cniVersion"] = "1.1.0";
  auto add = lab.call("ADD", "c1", "/var/run/netns/x", conf, "eth0", mock.path());
  REQUIRE(add.rc == 0);
  auto check = conf;
  check["prevResult"] = add.json();
  auto ok = lab.call("CHECK", "c1", "/var/run/netns/x", check, "eth0", mock.path());
  INFO(ok.out);
  CHECK(ok.rc == 0);
  lab.host.exec("nft flush chain inet cnipp_hostport " + kChain);
  CHECK(code_of(lab.call("CHECK", "c1", "/var/run/netns/x", check, "eth0", mock.path())) == 103);

  REQUIRE(lab.call("ADD", "c2", "/var/run/netns/x", conf, "eth0", mock.path()).rc == 0);
  auto gc = conf;
  gc["cni.dev/valid-attachments"] = json::array();
  CHECK(lab.call("GC", "", "", gc, "", mock.path()).rc == 0);
  CHECK(lab.chain().find("id: c2") == std::string::npos);
}

TEST_CASE("mesos-cni-port-mapper: two networks sharing one chain never remove each other's rules", "[mesos][portmap]") {
  MapperLab lab;
  MockDelegate mock;
  // Mesos uses one container ID for all of a task's networks (eth0, eth1, ...).
  REQUIRE(lab.call("ADD", "c1", "/var/run/netns/x", mock_conf("net-a"), "eth0", mock.path()).rc == 0);
  auto b = mock_conf("net-b");
  b["args"]["org.apache.mesos"]["network_info"]["port_mappings"][0]["host_port"] = 8081;
  REQUIRE(lab.call("ADD", "c1", "/var/run/netns/x", b, "eth1", mock.path()).rc == 0);
  REQUIRE(lab.call("DEL", "c1", "", mock_conf("net-a"), "eth0", mock.path()).rc == 0);
  auto rules = lab.chain();
  CHECK(rules.find("dport 8080") == std::string::npos);
  CHECK(rules.find("dport 8081") != std::string::npos);
}

TEST_CASE("mesos-cni-port-mapper: DEL of a task started under Mesos's own plugin removes its iptables rules", "[mesos][portmap]") {
  MapperLab lab;
  MockDelegate mock;
  // What Mesos's plugin leaves for a task: its chain, the entry jumps, one rule per mapping.
  for (const std::string& cmd : {
           "iptables -w -t nat -N " + kChain,
           "iptables -w -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j " + kChain,
           "iptables -w -t nat -A " + kChain + " -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.214.0.9:80 -m comment --comment \"container_id: old-task\"",
           "iptables -w -t nat -A " + kChain + " -p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.214.0.8:80 -m comment --comment \"container_id: other-task\""}) {
    int rc = 0;
    lab.host.exec(cmd, &rc);
    REQUIRE(rc == 0);
  }
  REQUIRE(lab.call("DEL", "old-task", "", mock_conf(), "eth0", mock.path()).rc == 0);
  auto left = lab.iptables_nat();
  CHECK(left.find("old-task") == std::string::npos);
  CHECK(left.find("other-task") != std::string::npos);
  CHECK(left.find(":" + kChain) != std::string::npos);
}
