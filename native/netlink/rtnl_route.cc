#include "netlink/rtnl_route.h"

#include <sys/socket.h>

#include "netlink/attr.h"

namespace netplugin::nl {

namespace {

// The rtmsg both requests start from: the family, prefix length and table of `r`.
struct rtmsg RouteHeader(const RouteSpec& r) {
  struct rtmsg rt {};
  rt.rtm_family = static_cast<uint8_t>(r.dst.family);
  rt.rtm_dst_len = static_cast<uint8_t>(r.dst.prefixLen >= 0 ? r.dst.prefixLen : r.dst.addr.size() * 8);
  rt.rtm_table = RT_TABLE_MAIN;
  return rt;
}

void PutRouteAttrs(MessageBuilder& m, const struct rtmsg& rt, const RouteSpec& r) {
  if (rt.rtm_dst_len) m.Put(RTA_DST, r.dst.addr.data(), r.dst.addr.size());
  if (r.gateway.family) m.Put(RTA_GATEWAY, r.gateway.addr.data(), r.gateway.addr.size());
  if (r.oif) m.PutU32(RTA_OIF, static_cast<uint32_t>(r.oif));
}

}  // namespace

std::vector<uint8_t> BuildRouteReplace(const RouteSpec& r, uint32_t seq) {
  MessageBuilder m(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE);
  struct rtmsg rt = RouteHeader(r);
  rt.rtm_protocol = static_cast<uint8_t>(r.protocol >= 0 ? r.protocol : RTPROT_BOOT);
  // An IPv4 route with no gateway is on-link, the same choice `ip route` makes (IPv6 has no such scope).
  rt.rtm_scope = r.gateway.family || r.dst.family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  rt.rtm_type = RTN_UNICAST;
  m.Header(rt);
  PutRouteAttrs(m, rt, r);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildRouteDelete(const RouteSpec& r, uint32_t seq) {
  MessageBuilder m(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK);
  struct rtmsg rt = RouteHeader(r);
  // RTPROT_UNSPEC, RT_SCOPE_NOWHERE and RTN_UNSPEC match any route (as `ip route del` sends them);
  // a protocol given restricts the delete to routes of that protocol.
  rt.rtm_protocol = static_cast<uint8_t>(r.protocol >= 0 ? r.protocol : RTPROT_UNSPEC);
  rt.rtm_scope = r.dst.family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
  rt.rtm_type = RTN_UNSPEC;
  m.Header(rt);
  PutRouteAttrs(m, rt, r);
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
  if ((h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE) || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct rtmsg))) return false;
  auto* rt = static_cast<const struct rtmsg*>(NLMSG_DATA(h));
  AttrTable t = MessageAttrs(h, sizeof(struct rtmsg));
  out->family = rt->rtm_family == AF_INET6 ? 6 : 4;
  out->type = rt->rtm_type;
  out->protocol = rt->rtm_protocol;
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
