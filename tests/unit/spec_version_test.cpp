#include <catch2/catch.hpp>

#include "cni/spec/version.hpp"

TEST_CASE("supported versions are exactly the seven spec versions", "[version]") {
  std::vector<std::string> want{"0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  CHECK(cni::supported_versions() == want);
  CHECK(cni::is_supported_version("0.3.1"));
  CHECK_FALSE(cni::is_supported_version("0.5.0"));
  CHECK_FALSE(cni::is_supported_version("1.1"));
  CHECK(std::string(cni::kImplicitVersion) == "0.1.0");
}

TEST_CASE("version comparison", "[version]") {
  CHECK(cni::version_at_least("0.4.0", "0.4.0"));
  CHECK(cni::version_at_least("1.0.0", "0.4.0"));
  CHECK_FALSE(cni::version_at_least("0.3.1", "0.4.0"));
  CHECK(cni::version_at_least("0.10.0", "0.4.0"));  // numeric, not lexical
  CHECK_FALSE(cni::version_at_least("garbage", "0.1.0"));
  CHECK_FALSE(cni::Version::parse("1.0"));
  CHECK_FALSE(cni::Version::parse("1.0.0.0"));
  CHECK_FALSE(cni::Version::parse("1.-1.0"));
}
