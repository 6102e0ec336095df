// The build identity in every binary, and reading it back from files that are not ours,
// not ELF, or damaged: in-process delegation must never mistake one of those for ours.
#include <catch2/catch.hpp>

#include "cni/base/ident.hpp"
#include "harness.hpp"

TEST_CASE("ident: every binary of this build carries its own line, the reference's none", "[ident]") {
  for (const char* b : {"bridge", "host-local", "ipvlan", "cnitool", "loopback", "static", "macvlan", "ptp",
                        "host-device", "vlan", "dummy", "tap"}) {
    CAPTURE(b);
    auto id = cni::read_ident(test::ours(b));
    REQUIRE(id);
    CHECK(*id == cni::ident_of(b));
    CHECK(id->find(std::string("cnipp ") + b + " " CNIPP_VERSION " ") == 0);
  }
  CHECK(cni::ident_of("bridge") != cni::ident_of("host-local"));
  CHECK_FALSE(cni::read_ident(test::reference("host-local")));
  CHECK_FALSE(cni::read_ident("/nonexistent/host-local"));
}

TEST_CASE("ident: scripts, truncated and damaged ELF files have no ident", "[ident]") {
  test::TempDir dir;
  const auto whole = test::read_file(test::ours("host-local"));
  auto check_none = [&](const std::string& content) {
    test::write_file(dir / "f", content);
    CHECK_FALSE(cni::read_ident(dir / "f"));
  };
  check_none("");
  check_none("#!/bin/sh\nexec host-local\n");
  check_none(whole.substr(0, 16));    // shorter than the ELF header
  check_none(whole.substr(0, 4096));  // header, no section table
  auto damaged = whole;
  damaged[0x3c] = '\xff';  // e_shnum: 0xffxx sections
  damaged[0x3d] = '\xff';
  check_none(damaged);
  damaged = whole;
  damaged[0x28 + 7] = '\x7f';  // e_shoff far beyond the file
  check_none(damaged);

  // One byte of the line changed: still a line, but not this build's host-local.
  test::copy_as_other_build("host-local", dir / "other");
  auto id = cni::read_ident(dir / "other");
  REQUIRE(id);
  CHECK(*id != cni::ident_of("host-local"));
}
