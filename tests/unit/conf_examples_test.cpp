// Every shipped example config must load in the plugin it names, with no cniVersion meaning
// 0.1.0 for the Mesos ones (the agent reads only the 0.1.0 result form).
#include <filesystem>

#include <catch2/catch.hpp>

#include "cni/runtime/netconf_list.hpp"
#include "../../ipam/host-local/config.hpp"
#include "harness.hpp"

#include "../../ipam/static/config.hpp"
#include "../../plugins/bridge/config.hpp"
#include "../../plugins/cnipp-overlay/config.hpp"
#include "../../plugins/ipvlan/config.hpp"
#include "../../plugins/macvlan/config.hpp"
#include "../../plugins/mesos-port-mapper/config.hpp"
#include "../../plugins/portmap/config.hpp"
#include "../../plugins/bandwidth/config.hpp"
#include "../../plugins/cnipp-chain/config.hpp"
#include "../../plugins/firewall/config.hpp"
#include "../../plugins/tuning/config.hpp"
#include "../../plugins/ptp/config.hpp"

namespace fs = std::filesystem;

namespace {
void check_plugin_conf(const cni::NetConf& conf) {
  INFO("network " << conf.name << " type " << conf.type);
  if (conf.type == "bridge") CHECK_NOTHROW(bridge::parse_config(conf, ""));
  else if (conf.type == "ipvlan") CHECK_NOTHROW(ipvlan::parse_config(conf, true));
  else if (conf.type == "macvlan") CHECK_NOTHROW(macvlan::parse_config(conf, ""));
  else if (conf.type == "ptp") CHECK_NOTHROW(ptp::parse_config(conf));
  else if (conf.type == "portmap") CHECK_NOTHROW(portmap::parse_config(conf, "eth0"));
  else if (conf.type == "cnipp-overlay") CHECK_NOTHROW(overlay_plugin::parse_config(conf));
  else if (conf.type == "tuning") CHECK_NOTHROW(tuning::parse_config(conf, "eth0", "", std::nullopt));
  else if (conf.type == "bandwidth") CHECK_FALSE(bandwidth::parse_config(conf).none());
  else if (conf.type == "firewall") CHECK_NOTHROW(firewall::parse_config(conf));
  if (conf.ipam_type() == "host-local") CHECK_NOTHROW(hostlocal::load_config(conf, ""));
  if (conf.ipam_type() == "static") CHECK_NOTHROW(staticipam::load_config(conf, ""));
  if (conf.type == "cnipp-chain") {
    // Every plugin of the chain as the runtime will hand it over.
    auto c = chain::parse_config(conf);
    for (auto p : c.plugins) {
      p["name"] = conf.name;
      p["cniVersion"] = "1.0.0";
      check_plugin_conf(cni::NetConf::parse(p.dump()));
    }
  }
  if (conf.type == "mesos-cni-port-mapper") {
    // The port mapper's own keys, then the delegate as the delegate will read it.
    auto c = mesos_port_mapper::parse_config(conf);
    check_plugin_conf(cni::NetConf::parse(c.delegate_conf.dump()));
  }
}
}  // namespace

TEST_CASE("conf-examples/mesos: single-plugin .conf files without cniVersion that our plugins load",
          "[examples]") {
  int n = 0;
  for (const auto& e : fs::directory_iterator(std::string(CNIPP_SOURCE_DIR) + "/conf-examples/mesos")) {
    if (e.path().extension() != ".conf") continue;
    INFO(e.path());
    auto conf = cni::NetConf::parse(test::read_file(e.path()));
    CHECK(conf.cni_version == "0.1.0");
    CHECK(conf.raw.contains("plugins") == (conf.type == "cnipp-chain"));  // one .conf; a chain lists its own
    CHECK_FALSE(conf.name.empty());
    CHECK((conf.type == "bridge" || conf.type == "ipvlan" || conf.type == "macvlan" || conf.type == "ptp" ||
           conf.type == "mesos-cni-port-mapper" || conf.type == "cnipp-overlay" ||
           conf.type == "cnipp-chain"));
    check_plugin_conf(conf);
    ++n;
  }
  CHECK(n == 8);
}

TEST_CASE("conf-examples/cni: conflists that load and whose plugins accept their config", "[examples]") {
  auto scan = cni::scan_conf_dir(std::string(CNIPP_SOURCE_DIR) + "/conf-examples/cni");
  CHECK(scan.broken.empty());
  CHECK(scan.lists.size() >= 2);
  for (const auto& list : scan.lists) {
    for (const auto& p : list.plugins) {
      auto j = p.raw;
      j["name"] = list.name;
      j["cniVersion"] = list.cni_version;
      check_plugin_conf(cni::NetConf::parse(j.dump()));
    }
  }
}
