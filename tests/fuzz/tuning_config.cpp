// tuning's config: sysctl keys turned into /proc/sys paths (net.* only), MACs in three
// formats from four sources, args.cni overrides, the allowlist. First line "ARGS:..."
// supplies CNI_ARGS, "IF:<name>" CNI_IFNAME (either or both, in that order).
#include <regex>

#include "cni/base/error.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  auto take = [&](std::string_view prefix, std::string& into) {
    if (!text.starts_with(prefix)) return;
    auto nl = text.find('\n');
    into = std::string(text.substr(prefix.size(), nl == std::string_view::npos ? text.npos : nl - prefix.size()));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  };
  std::string args, ifname = "eth0";
  take("ARGS:", args);
  take("IF:", ifname);
  try {
    auto conf = cni::NetConf::parse(text);
    auto c = tuning::parse_config(conf, ifname, args, std::vector<std::string>{"^net\\.", "somaxconn$"});
    for (const auto& s : c.sysctls) {
      // Every path stays under /proc/sys/net: no way up, no empty component.
      FUZZ_REQUIRE(s.path.starts_with("net/"));
      FUZZ_REQUIRE(s.path.find("..") == std::string::npos && s.path.find("//") == std::string::npos);
      FUZZ_REQUIRE(s.value.find('\n') == std::string::npos);
    }
    FUZZ_REQUIRE(!c.data_dir.empty() && c.data_dir[0] == '/');
    FUZZ_REQUIRE(!c.mtu || (*c.mtu > 0 && *c.mtu <= 65535));
    FUZZ_REQUIRE(!c.txqlen || *c.txqlen >= 0);
  } catch (const cni::Error&) {
  }
  return 0;
}
