// sbr's config: the table key and the selection of prevResult's addresses for CNI_IFNAME.
// First line "IF:<name>" supplies CNI_IFNAME.
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
    auto c = sbr::parse_config(conf, ifname);
    FUZZ_REQUIRE(!c.table || (*c.table > 0 && (*c.table < 253 || *c.table > 255)));
    FUZZ_REQUIRE(c.ips.size() <= (conf.prev_result ? conf.prev_result->ips.size() : 0));
  } catch (const cni::Error&) {
  }
  return 0;
}
