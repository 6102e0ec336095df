// RTM_NEWLINK: nlmsghdr | ifinfomsg | IFLA_IFNAME | IFLA_LINKINFO { IFLA_INFO_KIND "vrf",
//                                                                  IFLA_INFO_DATA { IFLA_VRF_TABLE } }
#include "cni/kernel/vrf.hpp"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "netlink_raw.hpp"

namespace cni {

std::vector<VrfDevice> list_vrfs(Netlink& nl) {
  detail::RtnlMessage req(RTM_GETLINK, 0);
  req.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  std::vector<VrfDevice> out;
  detail::RtnlAccess::dump(nl, req.nlh, [&](const nlmsghdr* m) {
    if (m->nlmsg_type != RTM_NEWLINK) return;
    struct Ctx {
      VrfDevice d;
      bool is_vrf = false;
    } ctx;
    ctx.d.index = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(m))->ifi_index;
    mnl_attr_parse(m, sizeof(ifinfomsg), [](const nlattr* a, void* data) -> int {
      auto* c = static_cast<Ctx*>(data);
      if (mnl_attr_get_type(a) == IFLA_IFNAME) c->d.name = mnl_attr_get_str(a);
      if (mnl_attr_get_type(a) != IFLA_LINKINFO) return MNL_CB_OK;
      mnl_attr_parse_nested(a, [](const nlattr* b, void* data2) -> int {
        auto* c2 = static_cast<Ctx*>(data2);
        if (mnl_attr_get_type(b) == IFLA_INFO_KIND) c2->is_vrf = std::strcmp(mnl_attr_get_str(b), "vrf") == 0;
        if (mnl_attr_get_type(b) == IFLA_INFO_DATA) {
          mnl_attr_parse_nested(b, [](const nlattr* v, void* data3) -> int {
            if (mnl_attr_get_type(v) == IFLA_VRF_TABLE) static_cast<Ctx*>(data3)->d.table = mnl_attr_get_u32(v);
            return MNL_CB_OK;
          }, data2);
        }
        return MNL_CB_OK;
      }, data);
      return MNL_CB_OK;
    }, &ctx);
    if (ctx.is_vrf) out.push_back(ctx.d);
  }, "failed to list VRF devices");
  return out;
}

void create_vrf(Netlink& nl, const std::string& name, uint32_t table) {
  detail::RtnlMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  m.header<ifinfomsg>()->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name.c_str());
  auto* info = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "vrf");
  auto* data = mnl_attr_nest_start(m.nlh, IFLA_INFO_DATA);
  mnl_attr_put_u32(m.nlh, IFLA_VRF_TABLE, table);
  mnl_attr_nest_end(m.nlh, data);
  mnl_attr_nest_end(m.nlh, info);
  detail::rtnl_must(nl, m.nlh, "failed to create VRF \"" + name + "\" (table " + std::to_string(table) + ")");
}

}  // namespace cni
