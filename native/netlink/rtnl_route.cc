#include "netlink/rtnl_route.h"

#include <sys/socket.h>

#include "netlink/attr.h"

namespace netplugin::nl {

std::vector<uint8_t> BuildRouteReplace(const RouteSpec& r, uint32_t seq) {
  MessageBuilder m(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE);
  struct rtmsg rt {};
  rt.rtm_family = static_cast<uint8_t>(r.dst.family);
  rt.rtm_dst_len = static_cast<uint8_t>(r.dst.prefixLen >= 0 ? r.dst.prefixLen : r.dst.addr.size() * 8);
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_BOOT;
  // A route with no gateway is on-link, the same choice `ip route` makes.
  rt.rtm_scope = r.gateway.family ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt.rtm_type = RTN_UNICAST;
  m.Header(rt);
  if (rt.rtm_dst_len) m.Put(RTA_DST, r.dst.addr.data(), r.dst.addr.size());
  if (r.gateway.family) m.Put(RTA_GATEWAY, r.gateway.addr.data(), r.gateway.addr.size());
  if (r.oif) m.PutU32(RTA_OIF, static_cast<uint32_t>(r.oif));
  return m.Finish(seq);
}

std::vector<uint8_t> BuildRouteDump(int family, uint32_t seq) {
  MessageBuilder m(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  struct rtmsg rt {};
  rt.rtm_family = static_cast<uint8_t>(family);
  m.Header(rt);
  // Honoured as a filter only on sockets with NETLINK_GET_STRICT_CHK; DecodeRoute callers filter too.
  m.PutU32(RTA_TABLE, RT_TABLE_MAIN);
  return m.Finish(seq);
}

bool DecodeRoute(const struct nlmsghdr* h, RouteInfo* out) {
  if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg))) return false;
  auto* rt = static_cast<const struct rtmsg*>(NLMSG_DATA(h));
  AttrTable t = MessageAttrs(h, sizeof(struct rtmsg));
  out->family = rt->rtm_family == AF_INET6 ? 6 : 4;
  out->type = rt->rtm_type;
  out->table = t.U32(RTA_TABLE, rt->rtm_table);
  if (rt->rtm_dst_len == 0) {
    out->dst = "default";
  } else if (const Attr* d = t.Get(RTA_DST)) {
    out->dst = FormatAddr(rt->rtm_family, d->data, d->len) + "/" + std::to_string(rt->rtm_dst_len);
  }
  if (const Attr* g = t.Get(RTA_GATEWAY)) out->gateway = FormatAddr(rt->rtm_family, g->data, g->len);
  out->oif = static_cast<int>(t.U32(RTA_OIF));
  return true;
}

}  // namespace netplugin::nl
