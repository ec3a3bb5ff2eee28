// rtnetlink route requests (RTM_NEWROUTE replace, RTM_DELROUTE, RTM_GETROUTE dump) and decoder (pure).
#pragma once
#include <linux/rtnetlink.h>

#include <vector>

#include "netlink/inet.h"
#include "netlink/types.h"

namespace netplugin::nl {

static_assert(sizeof(struct rtmsg) == 12, "rtmsg wire size");

// A main-table unicast route; gateway family 0 = none, oif 0 = none.
struct RouteSpec {
  InetPrefix dst;
  InetPrefix gateway;
  int oif = 0;
  // rtm_protocol; -1 = the default (RTPROT_BOOT on replace, RTPROT_UNSPEC = any on delete).
  int protocol = -1;
};

// RTM_NEWROUTE with NLM_F_REPLACE|NLM_F_CREATE in RT_TABLE_MAIN.
std::vector<uint8_t> BuildRouteReplace(const RouteSpec& r, uint32_t seq);
// RTM_DELROUTE in RT_TABLE_MAIN; the kernel deletes the first route matching every field given.
std::vector<uint8_t> BuildRouteDelete(const RouteSpec& r, uint32_t seq);
// RTM_GETROUTE dump of one family's main table.
std::vector<uint8_t> BuildRouteDump(int family, uint32_t seq);
// Decodes one RTM_NEWROUTE or RTM_DELROUTE message; false when it is something else.
bool DecodeRoute(const struct nlmsghdr* h, RouteInfo* out);

}  // namespace netplugin::nl
