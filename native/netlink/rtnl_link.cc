#include "netlink/rtnl_link.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include "netlink/attr.h"
#include "netlink/inet.h"
#include "netlink/rtnl_vf.h"
#include "netlink/rtnl_vxlan.h"

namespace netplugin::nl {

namespace {

// Attribute order follows iproute2 so requests compare byte for byte with `ip`.
void PutLinkAttrs(MessageBuilder& m, uint32_t mtu, const std::vector<uint8_t>& mac, int nsFd,
                  const std::string& name) {
  if (mtu) m.PutU32(IFLA_MTU, mtu);
  if (!mac.empty()) m.Put(IFLA_ADDRESS, mac.data(), mac.size());
  if (nsFd >= 0) m.PutU32(IFLA_NET_NS_FD, static_cast<uint32_t>(nsFd));
  if (!name.empty()) m.PutString(IFLA_IFNAME, name);
}

}  // namespace

std::vector<uint8_t> BuildVethCreate(const VethSpec& s, uint32_t seq) {
  MessageBuilder m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE);
  struct ifinfomsg ifi {};
  m.Header(ifi);
  PutLinkAttrs(m, s.mtu, s.mac, -1, s.name);
  size_t info = m.BeginNest(IFLA_LINKINFO);
  // NLA_STRING needs no NUL; iproute2 sends the kind without one.
  m.Put(IFLA_INFO_KIND, "veth", 4);
  size_t data = m.BeginNest(IFLA_INFO_DATA);
  size_t peer = m.BeginNest(VETH_INFO_PEER);
  m.Header(ifi);
  PutLinkAttrs(m, s.mtu, s.peerMac, s.peerNsFd, s.peerName);
  m.EndNest(peer);
  m.EndNest(data);
  m.EndNest(info);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildLinkChange(const LinkChange& c, uint32_t seq) {
  MessageBuilder m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
  struct ifinfomsg ifi {};
  ifi.ifi_index = c.index;
  if (c.up.has_value()) {
    ifi.ifi_change = IFF_UP;
    ifi.ifi_flags = *c.up ? IFF_UP : 0;
  }
  m.Header(ifi);
  PutLinkAttrs(m, c.mtu, c.mac, c.nsFd, c.newName);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildLinkDel(int index, uint32_t seq) {
  MessageBuilder m(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
  struct ifinfomsg ifi {};
  ifi.ifi_index = index;
  m.Header(ifi);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildLinkGetByName(const std::string& name, uint32_t seq) {
  MessageBuilder m(RTM_GETLINK, NLM_F_REQUEST);
  struct ifinfomsg ifi {};
  m.Header(ifi);
  m.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
  m.PutString(IFLA_IFNAME, name);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildLinkDump(uint32_t seq) {
  MessageBuilder m(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
  struct ifinfomsg ifi {};
  ifi.ifi_family = AF_PACKET;
  m.Header(ifi);
  m.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
  return m.Finish(seq);
}

bool DecodeLink(const struct nlmsghdr* h, LinkInfo* out) {
  if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) return false;
  auto* ifi = static_cast<const struct ifinfomsg*>(NLMSG_DATA(h));
  AttrTable t = MessageAttrs(h, sizeof(struct ifinfomsg));
  out->index = ifi->ifi_index;
  out->name = t.Str(IFLA_IFNAME);
  out->mtu = t.U32(IFLA_MTU);
  const Attr* address = t.Get(IFLA_ADDRESS);
  if (address) out->mac = FormatMac(address->data, address->len);
  out->up = (ifi->ifi_flags & IFF_UP) != 0;
  uint8_t oper = t.U8(IFLA_OPERSTATE, IF_OPER_UNKNOWN);
  // Loopback and some virtual devices never report IF_OPER_UP; their carrier says it.
  out->operUp = oper == IF_OPER_UP || (oper == IF_OPER_UNKNOWN && (ifi->ifi_flags & IFF_LOWER_UP));
  if (const Attr* li = t.Get(IFLA_LINKINFO)) {
    AttrTable info(*li);
    out->kind = info.Str(IFLA_INFO_KIND);
    const Attr* data = info.Get(IFLA_INFO_DATA);
    if (out->kind == "vxlan" && data) {
      out->hasVxlan = true;
      out->vxlan = DecodeVxlanData(*data);
    }
  }
  out->masterIndex = static_cast<int>(t.U32(IFLA_MASTER));
  // The kernel sends IFLA_LINK only when it differs from the link itself; a veth peer in another
  // namespace may still carry the same number, so presence (not value) decides.
  out->peerIndex = static_cast<int>(t.U32(IFLA_LINK));
  if (t.Get(IFLA_NUM_VF)) out->numVf = t.U32(IFLA_NUM_VF);
  if (const Attr* vfl = t.Get(IFLA_VFINFO_LIST)) {
    out->hasVfList = true;
    out->vfs = DecodeVfInfoList(*vfl, address ? address->len : 0);
  }
  return true;
}

}  // namespace netplugin::nl
