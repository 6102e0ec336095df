// Running another plugin binary: stdin in, stdout (and stderr) out, exit codes, and the
// child starting with the signal dispositions a runtime would give it.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "cni/base/exec.hpp"
#include "harness.hpp"

namespace {
std::string script(const test::TempDir& dir, const std::string& body) {
  auto path = dir / "plugin.sh";
  test::write_file(path, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}
}  // namespace

TEST_CASE("exec: stdin, stdout, stderr and the exit code travel", "[exec]") {
  test::TempDir dir;
  auto p = script(dir, "read line; echo \"out:$line:$CNI_COMMAND\"; echo err >&2; exit 3\n");
  auto r = cni::exec_binary(p, {}, {"CNI_COMMAND=ADD", "PATH=/usr/bin:/bin"}, "hello\n", true);
  CHECK(r.exit_code == 3);
  CHECK(r.out == "out:hello:ADD\n");
  CHECK(r.err == "err\n");
}

TEST_CASE("exec: the child does not inherit our ignored SIGPIPE", "[exec]") {
  test::TempDir dir;
  // SigIgn is a hex mask; SIGPIPE (13) is bit 12, 0x1000.
  auto p = script(dir, "exec grep SigIgn /proc/self/status\n");
  auto r = cni::exec_binary(p, {}, {"PATH=/usr/bin:/bin"}, "", false);
  REQUIRE(r.exit_code == 0);
  auto mask = std::stoull(r.out.substr(r.out.find(':') + 1), nullptr, 16);
  CHECK((mask & 0x1000ULL) == 0);
}

TEST_CASE("exec: a binary that cannot be run is an error naming it", "[exec]") {
  test::TempDir dir;
  test::write_file(dir / "not-exec", "#!/bin/sh\n");
  try {
    cni::exec_binary(dir / "not-exec", {}, {}, "", false);
    FAIL("no error");
  } catch (const cni::Error& e) {
    CHECK(e.msg().find(dir / "not-exec") != std::string::npos);
  }
}
