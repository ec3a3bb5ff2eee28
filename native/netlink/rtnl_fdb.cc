#include "netlink/rtnl_fdb.h"

#include <sys/socket.h>

#include "netlink/attr.h"

namespace netplugin::nl {

std::vector<uint8_t> BuildFdb(bool add, const FdbSpec& s, uint32_t seq) {
  MessageBuilder m(add ? RTM_NEWNEIGH : RTM_DELNEIGH,
                   add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND : NLM_F_REQUEST | NLM_F_ACK);
  struct ndmsg ndm {};
  ndm.ndm_family = AF_BRIDGE;
  ndm.ndm_ifindex = s.index;
  // NTF_SELF targets the device's own table (the vxlan driver), not a master bridge's.
  ndm.ndm_state = NUD_PERMANENT | NUD_NOARP;
  ndm.ndm_flags = NTF_SELF;
  m.Header(ndm);
  m.Put(NDA_LLADDR, s.mac.data(), s.mac.size());
  if (s.dst.family) m.Put(NDA_DST, s.dst.addr.data(), s.dst.addr.size());
  return m.Finish(seq);
}

std::vector<uint8_t> BuildFdbDump(int index, uint32_t seq) {
  MessageBuilder m(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP);
  struct ndmsg ndm {};
  ndm.ndm_family = AF_BRIDGE;
  ndm.ndm_ifindex = index;
  m.Header(ndm);
  return m.Finish(seq);
}

bool DecodeFdb(const struct nlmsghdr* h, FdbInfo* out) {
  if (h->nlmsg_type != RTM_NEWNEIGH || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ndmsg))) return false;
  auto* ndm = static_cast<const struct ndmsg*>(NLMSG_DATA(h));
  if (ndm->ndm_family != AF_BRIDGE) return false;
  AttrTable t = MessageAttrs(h, sizeof(struct ndmsg));
  const Attr* mac = t.Get(NDA_LLADDR);
  if (!mac) return false;
  out->index = ndm->ndm_ifindex;
  out->mac = FormatMac(mac->data, mac->len);
  // AF_BRIDGE says nothing about the remote's family; the address length does.
  if (const Attr* d = t.Get(NDA_DST)) out->dst = FormatAddr(d->len == 16 ? AF_INET6 : AF_INET, d->data, d->len);
  out->permanent = (ndm->ndm_state & NUD_PERMANENT) != 0;
  return true;
}

}  // namespace netplugin::nl
