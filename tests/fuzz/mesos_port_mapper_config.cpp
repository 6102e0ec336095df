// mesos-cni-port-mapper's config: chain, excludeDevices, delegate and the port mappings in
// args["org.apache.mesos"]["network_info"], as an agent (or anyone who can write
// /etc/mesos/cni) hands them over.
#include "cni/base/error.hpp"
#include "cni/net/hostport.hpp"
#include "config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto conf = cni::NetConf::parse(fuzz::text_of(data, size));
    auto c = mesos_port_mapper::parse_config(conf);
    FUZZ_REQUIRE(!c.chain.empty() && c.chain.size() <= 255 && !cni::hostport::reserved_chain_name(c.chain));
    FUZZ_REQUIRE(!c.delegate_type.empty());
    FUZZ_REQUIRE(c.delegate_conf.is_object() && c.delegate_conf["name"] == conf.name);
    for (const auto& d : c.exclude_devices) FUZZ_REQUIRE(!d.empty() && d.size() < 16);
    for (const auto& m : c.mappings) FUZZ_REQUIRE(m.host_port > 0 && m.container_port > 0 && !m.host_ip);
  } catch (const cni::Error&) {
  }
  return 0;
}
