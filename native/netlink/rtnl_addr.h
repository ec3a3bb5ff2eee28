// rtnetlink address requests (RTM_NEWADDR/DELADDR/GETADDR) and the RTM_NEWADDR decoder (pure).
#pragma once
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <vector>

#include "netlink/inet.h"
#include "netlink/types.h"

namespace netplugin::nl {

static_assert(sizeof(struct ifaddrmsg) == 8, "ifaddrmsg wire size");

// RTM_NEWADDR with NLM_F_REPLACE|NLM_F_CREATE (idempotent), or RTM_DELADDR when !add.
std::vector<uint8_t> BuildAddr(bool add, int index, const InetPrefix& p, uint32_t seq);
// RTM_GETADDR dump of every address of every family.
std::vector<uint8_t> BuildAddrDump(uint32_t seq);
// Decodes one RTM_NEWADDR message; false when it is something else.
bool DecodeAddr(const struct nlmsghdr* h, AddrInfo* out);

}  // namespace netplugin::nl
