// portmap's config: port mappings, backend choice, conditions (the nft subset parser) and
// the prevResult address selection, all decoded before anything is written. First line
// "IF:<name>" supplies CNI_IFNAME.
#include "cni/base/error.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::text_of(data, size);
  std::string ifname = "eth0";
  if (text.starts_with("IF:")) {
    auto nl = text.find('\n');
    ifname = std::string(text.substr(3, nl == std::string_view::npos ? text.npos : nl - 3));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  try {
    auto conf = cni::NetConf::parse(text);
    auto c = portmap::parse_config(conf, ifname);
    FUZZ_REQUIRE(c.mark_masq_bit >= 0 && c.mark_masq_bit <= 31);
    for (const auto& m : c.mappings) FUZZ_REQUIRE(m.host_port > 0 && m.container_port > 0);
    FUZZ_REQUIRE(!c.ip4 || c.ip4->ip.is_v4());
    FUZZ_REQUIRE(!c.ip6 || c.ip6->ip.is_v6());
    // A condition token with a control character would reach an iptables-restore script.
    for (const auto* list : {&c.conditions_v4, &c.conditions_v6})
      for (const auto& t : *list)
        for (char ch : t) FUZZ_REQUIRE(static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f);
    portmap::check_mappable(conf, c);
    for (const auto& f : portmap::forwards(c))
      for (const auto& m : f.mappings) FUZZ_REQUIRE(!m.host_ip || m.host_ip->family() == f.container.ip.family());
  } catch (const cni::Error&) {
  }
  return 0;
}
