#include "netlink/rtnl_addr.h"

#include <sys/socket.h>

#include "netlink/attr.h"

namespace netplugin::nl {

std::vector<uint8_t> BuildAddr(bool add, int index, const InetPrefix& p, uint32_t seq) {
  MessageBuilder m(add ? RTM_NEWADDR : RTM_DELADDR,
                   add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE : NLM_F_REQUEST | NLM_F_ACK);
  struct ifaddrmsg ifa {};
  ifa.ifa_family = static_cast<uint8_t>(p.family);
  ifa.ifa_prefixlen = static_cast<uint8_t>(p.prefixLen >= 0 ? p.prefixLen : p.addr.size() * 8);
  ifa.ifa_index = static_cast<uint32_t>(index);
  m.Header(ifa);
  // Without a peer, IFA_ADDRESS equals IFA_LOCAL (what `ip addr` sends).
  m.Put(IFA_LOCAL, p.addr.data(), p.addr.size());
  m.Put(IFA_ADDRESS, p.addr.data(), p.addr.size());
  return m.Finish(seq);
}

std::vector<uint8_t> BuildAddrDump(uint32_t seq) {
  MessageBuilder m(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  struct ifaddrmsg ifa {};
  m.Header(ifa);
  return m.Finish(seq);
}

bool DecodeAddr(const struct nlmsghdr* h, AddrInfo* out) {
  if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg))) return false;
  auto* ifa = static_cast<const struct ifaddrmsg*>(NLMSG_DATA(h));
  AttrTable t = MessageAttrs(h, sizeof(struct ifaddrmsg));
  // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
  const Attr* a = t.Get(IFA_LOCAL);
  if (!a) a = t.Get(IFA_ADDRESS);
  if (!a) return false;
  out->index = static_cast<int>(ifa->ifa_index);
  out->family = ifa->ifa_family == AF_INET6 ? 6 : 4;
  out->cidr = FormatAddr(ifa->ifa_family, a->data, a->len) + "/" + std::to_string(ifa->ifa_prefixlen);
  out->name = t.Str(IFA_LABEL);
  return true;
}

}  // namespace netplugin::nl
