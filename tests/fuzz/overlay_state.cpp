// What the overlay reads from files and the store besides leases: the state file the plugin
// trusts (written by the daemon, but a file anyone with root can edit), a network's config
// znode and the --auth-file line. Accepted values must satisfy the rules the readers rely on.
#include "auth.hpp"
#include "cni/base/error.hpp"
#include "fuzz_check.hpp"
#include "network.hpp"
#include "state_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  try {
    auto s = overlay::AgentState::decode(text);
    if (s.ok()) {
      FUZZ_REQUIRE(s.subnet && s.overlay);
      FUZZ_REQUIRE(s.subnet->prefix > s.overlay->prefix);
      FUZZ_REQUIRE(s.overlay->contains(s.subnet->ip) && !s.subnet->has_host_bits());
      FUZZ_REQUIRE(s.overlay->prefix > 0);
      FUZZ_REQUIRE(s.mtu >= 68);
      FUZZ_REQUIRE(overlay::AgentState::decode(s.encode()).subnet == s.subnet);
    }
  } catch (const cni::Error& e) {
    FUZZ_REQUIRE(e.code() == cni::kDecodingFailure);
  }
  try {
    auto n = overlay::NetworkConfig::decode(text);
    FUZZ_REQUIRE(n.subnet.ip.is_v4() && n.subnet.prefix > 0 && !n.subnet.has_host_bits());
    FUZZ_REQUIRE(n.subnet_count() >= 4 && n.subnet_len <= 30);
    FUZZ_REQUIRE(overlay::NetworkConfig::decode(n.encode()) == n);
    FUZZ_REQUIRE(n.index_of(n.subnet_at(n.subnet_count() - 1)) == n.subnet_count() - 1);
  } catch (const cni::Error&) {
  }
  try {
    auto c = overlay::parse_auth(std::string(text), "fuzz");
    FUZZ_REQUIRE(c.scheme == "digest" && !c.user.empty() && !c.password.empty());
    FUZZ_REQUIRE(c.user.find(':') == std::string::npos);
  } catch (const cni::Error&) {
  }
  return 0;
}
