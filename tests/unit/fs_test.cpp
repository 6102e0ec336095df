// The file helpers host-local's store and the result cache write through.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "cni/base/error.hpp"
#include "cni/base/fs.hpp"
#include "harness.hpp"

namespace {
ino_t inode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_ino;
}
}  // namespace

TEST_CASE("fs: write_file_nofollow rewrites in place and leaves exactly the new text", "[fs]") {
  test::TempDir dir;
  auto path = dir / "last_reserved_ip.0";
  cni::write_file_nofollow(path, "10.250.1.100");
  CHECK(test::read_file(path) == "10.250.1.100");
  auto ino = inode_of(path);

  // Shorter than before: the old tail must not survive (a reader would parse "10.250.1.990").
  cni::write_file_nofollow(path, "10.250.1.99");
  CHECK(test::read_file(path) == "10.250.1.99");
  // Longer again, and the same length: plain overwrites.
  cni::write_file_nofollow(path, "10.250.100.100");
  CHECK(test::read_file(path) == "10.250.100.100");
  cni::write_file_nofollow(path, "10.250.100.101");
  CHECK(test::read_file(path) == "10.250.100.101");
  cni::write_file_nofollow(path, "");
  CHECK(test::read_file(path).empty());
  // The same file all along (the directory's entries do not churn), with the mode it was made with.
  CHECK(inode_of(path) == ino);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("fs: write_file_nofollow refuses a planted symlink and leaves its target alone", "[fs]") {
  test::TempDir dir;
  auto target = dir / "victim";
  test::write_file(target, "keep me");
  auto link = dir / "last_reserved_ip.0";
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  try {
    cni::write_file_nofollow(link, "10.0.0.1");
    FAIL("a symlink was written through");
  } catch (const cni::Error& e) {
    CHECK(e.code() == cni::kIoFailure);
  }
  CHECK(test::read_file(target) == "keep me");
}
