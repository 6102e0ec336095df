// cnipp-chain's config: its plugin list, Mesos's network_info (port mappings, labels) turned
// into capability arguments and args.cni.labels, and the conflist document built from it,
// which must parse back as a list.
#include "cni/base/error.hpp"
#include "cni/runtime/netconf_list.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto conf = cni::NetConf::parse(fuzz::text_of(data, size));
    auto c = chain::parse_config(conf);
    FUZZ_REQUIRE(!c.plugins.empty());
    FUZZ_REQUIRE(c.capability_args.is_object());
    if (c.capability_args.contains("portMappings") && !conf.runtime_config.contains("portMappings"))
      for (const auto& m : c.capability_args["portMappings"])
        FUZZ_REQUIRE(m["hostPort"].get<int>() >= 1 && m["hostPort"].get<int>() <= 65535);
    auto list = cni::NetConfList::from_bytes(chain::list_document(c, "1.0.0"));
    FUZZ_REQUIRE(list.plugins.size() == c.plugins.size());
    for (const auto& p : list.plugins) FUZZ_REQUIRE(p.type != "cnipp-chain");
  } catch (const cni::Error&) {
  }
  return 0;
}
