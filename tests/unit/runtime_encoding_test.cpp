#include <catch2/catch.hpp>

#include "cni/base/encoding.hpp"
#include "cni/base/error.hpp"
#include "harness.hpp"

TEST_CASE("sha512 matches the FIPS 180-2 test vectors", "[runtime][sha512]") {
  CHECK(cni::sha512_hex("") ==
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  CHECK(cni::sha512_hex("abc") ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  CHECK(cni::sha512_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu") ==
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
        "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
  // One million 'a': many full blocks.
  CHECK(cni::sha512_hex(std::string(1000000, 'a')) ==
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
        "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

TEST_CASE("sha512 agrees with sha512sum at every padding boundary", "[runtime][sha512]") {
  // Lengths around 111/112 (one vs two final blocks) and 128 (a full block) are where
  // padding mistakes hide.
  for (size_t len : {0, 1, 55, 111, 112, 113, 127, 128, 129, 239, 240, 256, 1000}) {
    std::string data;
    for (size_t i = 0; i < len; ++i) data += static_cast<char>('a' + i % 26);
    test::TempDir dir;
    test::write_file(dir / "in", data);
    std::string expect = test::sh("sha512sum " + dir / "in" + " | cut -c1-128");
    INFO("length " << len);
    CHECK(cni::sha512_hex(data) + "\n" == expect);
  }
}

TEST_CASE("cnitool's container ID is the first 20 hex digits of sha512(netns path)", "[runtime][sha512]") {
  for (std::string path : {"/var/run/netns/demo", "/proc/1234/ns/net", "/var/run/netns/a-b_c.d"}) {
    std::string expect = test::sh("printf %s '" + path + "' | sha512sum | cut -c1-20");
    CHECK("cnitool-" + cni::sha512_hex(path).substr(0, 20) == "cnitool-" + expect.substr(0, 20));
  }
}

TEST_CASE("base64 round-trips and matches Go's padded standard encoding", "[runtime][base64]") {
  CHECK(cni::base64_encode("") == "");
  CHECK(cni::base64_encode("f") == "Zg==");
  CHECK(cni::base64_encode("fo") == "Zm8=");
  CHECK(cni::base64_encode("foo") == "Zm9v");
  CHECK(cni::base64_encode("foobar") == "Zm9vYmFy");
  CHECK(cni::base64_encode(std::string("\xff\xfe\x00", 3)) == "//4A");  // '+' and '/' of the standard alphabet
  std::string bin;
  for (int i = 0; i < 256; ++i) bin += static_cast<char>(i);
  CHECK(cni::base64_decode(cni::base64_encode(bin)) == bin);
  CHECK(cni::base64_decode("Zm8=") == "fo");
  CHECK_THROWS_AS(cni::base64_decode("Zm8"), cni::Error);     // unpadded
  CHECK_THROWS_AS(cni::base64_decode("Zm-v"), cni::Error);    // URL alphabet
  CHECK_THROWS_AS(cni::base64_decode("Zg==Zg=="), cni::Error);  // padding in the middle
}
