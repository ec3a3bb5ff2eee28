#include "netlink/rtnl_vxlan.h"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

namespace netplugin::nl {

std::vector<uint8_t> BuildVxlanCreate(const VxlanSpec& s, uint32_t seq) {
  MessageBuilder m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE);
  struct ifinfomsg ifi {};
  m.Header(ifi);
  if (s.mtu) m.PutU32(IFLA_MTU, s.mtu);
  m.PutString(IFLA_IFNAME, s.name);
  size_t info = m.BeginNest(IFLA_LINKINFO);
  m.Put(IFLA_INFO_KIND, "vxlan", 5);
  size_t data = m.BeginNest(IFLA_INFO_DATA);
  // Attribute order follows iproute2 (link, tos, id, local, learning, port).
  if (s.linkIndex) m.PutU32(IFLA_VXLAN_LINK, static_cast<uint32_t>(s.linkIndex));
  // iproute2's `tos inherit` is the value 1 (a real TOS never has only the lowest ECN bit set).
  if (s.tosInherit) m.PutU8(IFLA_VXLAN_TOS, 1);
  m.PutU32(IFLA_VXLAN_ID, s.vni);
  if (s.local.family == AF_INET) m.Put(IFLA_VXLAN_LOCAL, s.local.addr.data(), 4);
  if (s.local.family == AF_INET6) m.Put(IFLA_VXLAN_LOCAL6, s.local.addr.data(), 16);
  // Always explicit: the kernel default is learning on, the agent's is off.
  m.PutU8(IFLA_VXLAN_LEARNING, s.learning ? 1 : 0);
  // Always explicit too: without it the kernel uses the pre-IANA port 8472.
  m.PutU16(IFLA_VXLAN_PORT, htons(s.dstPort));
  m.EndNest(data);
  m.EndNest(info);
  return m.Finish(seq);
}

VxlanInfo DecodeVxlanData(const Attr& infoData) {
  AttrTable t(infoData);
  VxlanInfo v;
  v.vni = t.U32(IFLA_VXLAN_ID);
  if (const Attr* a = t.Get(IFLA_VXLAN_LOCAL)) v.local = FormatAddr(AF_INET, a->data, a->len);
  if (const Attr* a = t.Get(IFLA_VXLAN_LOCAL6)) v.local = FormatAddr(AF_INET6, a->data, a->len);
  v.dstPort = ntohs(t.U16(IFLA_VXLAN_PORT));
  v.learning = t.U8(IFLA_VXLAN_LEARNING) != 0;
  v.tosInherit = t.U8(IFLA_VXLAN_TOS) == 1;
  return v;
}

}  // namespace netplugin::nl
