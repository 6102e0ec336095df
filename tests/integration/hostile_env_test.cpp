// Hostile values in the CNI environment (container ID, ifname, CNI_ARGS, CNI_NETNS) and in
// the names a config carries into paths. Each must be refused with the spec's code, as JSON on
// stdout with exit status 1 (not a signal), before anything exists on disk: the dataDir
// under the test's TempDir is not even created. An environment variable cannot carry a NUL
// (execve cuts the string there), so NULs are tested where they can arrive: JSON strings.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

// host-local with a dataDir that must never come into existence.
struct Sandbox {
  test::TempDir tmp;
  std::string data_dir = tmp / "data";

  std::string conf(const std::string& name = "hostile", const std::string& ipam_extra = "") const {
    return R"({"cniVersion":"1.0.0","name":")" + name + R"(","ipam":{"type":"host-local","dataDir":")" + data_dir +
           R"(","subnet":"10.246.0.0/24")" + ipam_extra + "}}";
  }
  test::RunResult add(const test::Env& env, const std::string& conf) const {
    return test::run(test::ours("host-local"), env, conf);
  }
  test::RunResult add(const std::string& id, const std::string& ifname, const std::string& args = "") const {
    auto env = test::cni_env("ADD", id, "/dev/null", ifname);
    if (!args.empty()) env["CNI_ARGS"] = args;
    return add(env, conf());
  }
};

// A refusal: exit 1, the spec's error JSON with `code` and a message, and no dataDir.
void expect_refused(const test::RunResult& r, int code, const Sandbox& s) {
  INFO("rc=" << r.rc << " stdout=" << r.out << " stderr=" << r.err);
  CHECK(r.rc == 1);
  auto j = r.json();
  CHECK(j["code"] == code);
  CHECK(j["msg"].is_string());
  CHECK_FALSE(j["msg"].get<std::string>().empty());
  CHECK_FALSE(fs::exists(s.data_dir));
}

}  // namespace

TEST_CASE("hostile env: container IDs that could reach a path are code 4, nothing created", "[hostile]") {
  Sandbox s;
  for (const std::string& id : std::vector<std::string>{"../../etc", "a/b", "/", ".", "..", "-x", "_x", "a\nb", "a b", "a\tb", "c;rm",
                               "c\xff", "$(id)", std::string(300, 'a') + "/"}) {
    INFO("container ID: " << id);
    expect_refused(s.add(id, "eth0"), 4, s);
  }
  // Empty is "missing" in the reference's skeleton, and the message names the variable.
  auto r = s.add("", "eth0");
  expect_refused(r, 4, s);
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("CNI_CONTAINERID"));
}

TEST_CASE("hostile env: interface names the kernel or a path would misread are code 4", "[hostile]") {
  Sandbox s;
  for (const std::string& ifname : std::vector<std::string>{"a/b", "../x", "eth:0", "eth 0", "eth0\n", "\teth0", ".", "..", "abcdefghijklmnop"}) {
    INFO("ifname: " << ifname);
    expect_refused(s.add("c1", ifname), 4, s);
  }
}

TEST_CASE("hostile env: malformed CNI_ARGS is code 4 with a JSON reply, also with bytes that are not UTF-8",
          "[hostile]") {
  Sandbox s;
  for (const std::string& args : std::vector<std::string>{"IP", "IP==10.246.0.5", "IP=10.246.0.5=x", "IP=../../x", "IP=10.246.0.5\n",
                                 "FOO=bar", "IgnoreUnknown=maybe;IP=10.246.0.5", "\xff", "IP=\xff\xfe"}) {
    INFO("CNI_ARGS: " << args);
    auto r = s.add("c1", "eth0", args);
    expect_refused(r, 4, s);
  }
  // The message quotes the offending bytes; they come back as U+FFFD, as Go's encoder does.
  auto r = s.add("c1", "eth0", "x\xff");
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("x\xef\xbf\xbd"));
}

TEST_CASE("hostile config: NUL bytes and over-long names are refused before any path exists", "[hostile]") {
  Sandbox s;
  // A NUL would cut a path short in every C API: dataDir "<dir>/data\0/x" would become <dir>/data.
  expect_refused(s.add(test::cni_env("ADD", "c1", "/dev/null"),
                       R"({"cniVersion":"1.0.0","name":"n","ipam":{"type":"host-local","dataDir":")" + s.data_dir +
                           R"(\u0000/x","subnet":"10.246.0.0/24"}})"),
                 7, s);
  expect_refused(s.add(test::cni_env("ADD", "c1", "/dev/null"), s.conf("n", R"(,"resolvConf":"/etc/resolv.conf\u0000x")")),
                 7, s);
  expect_refused(s.add(test::cni_env("ADD", "c1", "/dev/null"), s.conf("n\\u0000x")), 7, s);
  expect_refused(s.add(test::cni_env("ADD", "c1", "/dev/null"), s.conf("a\\u002f..")), 7, s);
  // A network name becomes a directory: one byte over NAME_MAX is refused up front (not a
  // half-made dataDir and an I/O error), and the longest legal one works.
  auto r = s.add(test::cni_env("ADD", "c1", "/dev/null"), s.conf(std::string(256, 'n')));
  expect_refused(r, 7, s);
  CHECK_THAT(r.json()["msg"].get<std::string>(), Catch::Contains("limit is 255"));
  auto ok = s.add(test::cni_env("ADD", "c1", "/dev/null"), s.conf(std::string(255, 'n')));
  INFO(ok.out << ok.err);
  CHECK(ok.rc == 0);
  CHECK(test::list_dir(s.data_dir + "/" + std::string(255, 'n')).size() >= 1);
}

TEST_CASE("hostile env: CNI_NETNS naming the plugin's own namespace, also through a symlink, is code 8",
          "[hostile]") {
  Sandbox s;
  fs::create_symlink("/proc/self/ns/net", s.tmp / "ns-link");
  for (const std::string& netns : std::vector<std::string>{"/proc/self/ns/net", s.tmp / "ns-link", "/proc/thread-self/ns/net"}) {
    INFO("CNI_NETNS: " << netns);
    expect_refused(s.add(test::cni_env("ADD", "c1", netns), s.conf()), 8, s);
    expect_refused(s.add(test::cni_env("CHECK", "c1", netns), s.conf()), 8, s);
  }
}

TEST_CASE("hostile env: bridge refuses a CNI_NETNS that is not a network namespace and creates nothing",
          "[hostile][bridge]") {
  Sandbox s;
  test::write_file(s.tmp / "regular", "not a namespace");
  std::string br = test::unique_name("hxb");
  auto conf = R"({"cniVersion":"1.0.0","name":"hostile","type":"bridge","bridge":")" + br +
              R"(","isGateway":true,"ipam":{"type":"host-local","dataDir":")" + s.data_dir +
              R"(","subnet":"10.246.1.0/24"}})";
  struct Case {
    std::string netns;
    int code;
  };
  for (const auto& c : std::vector<Case>{{s.tmp / "regular", 4},
                                          {s.tmp.path, 4},
                                          {s.tmp / "missing", 4},
                                          {"/proc/self/ns/mnt", 4},  // a namespace, of the wrong type
                                          {"/proc/self/ns/net", 8}}) {
    INFO("CNI_NETNS: " << c.netns);
    // A unique ifname: were the own-netns check ever lost, nothing could collide with the host's.
    auto r = test::run(test::ours("bridge"), test::cni_env("ADD", "c1", c.netns, test::unique_name("hx")), conf);
    expect_refused(r, c.code, s);
    int rc = 0;
    test::sh("ip link show " + br + " 2>/dev/null", &rc);
    CHECK(rc != 0);  // no bridge
  }
}
