#include "cni/kernel/link_settings.hpp"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "netlink_raw.hpp"

namespace cni {

namespace {
detail::RtnlMessage setlink(int index) {
  detail::RtnlMessage m(RTM_NEWLINK, 0);
  auto* ifi = m.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  return m;
}
}  // namespace

void set_allmulti(Netlink& nl, int index, bool on) {
  auto m = setlink(index);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_get_payload(m.nlh));
  ifi->ifi_change = IFF_ALLMULTI;
  ifi->ifi_flags = on ? IFF_ALLMULTI : 0;
  detail::rtnl_must(nl, m.nlh, std::string("failed to turn all-multicast ") + (on ? "on" : "off") + " on link " +
                                   std::to_string(index));
}

void set_txqlen(Netlink& nl, int index, int txqlen) {
  auto m = setlink(index);
  mnl_attr_put_u32(m.nlh, IFLA_TXQLEN, static_cast<uint32_t>(txqlen));
  detail::rtnl_must(nl, m.nlh, "failed to set transmit queue length " + std::to_string(txqlen) + " on link " +
                                   std::to_string(index));
}

void create_ifb(Netlink& nl, const std::string& name, int mtu) {
  detail::RtnlMessage m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifi = m.header<ifinfomsg>();
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = IFF_UP;
  mnl_attr_put_strz(m.nlh, IFLA_IFNAME, name.c_str());
  if (mtu > 0) mnl_attr_put_u32(m.nlh, IFLA_MTU, static_cast<uint32_t>(mtu));
  mnl_attr_put_u32(m.nlh, IFLA_TXQLEN, 0);
  auto* info = mnl_attr_nest_start(m.nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(m.nlh, IFLA_INFO_KIND, "ifb");
  mnl_attr_nest_end(m.nlh, info);
  detail::rtnl_must(nl, m.nlh, "failed to create ifb device \"" + name + "\"");
}

}  // namespace cni
