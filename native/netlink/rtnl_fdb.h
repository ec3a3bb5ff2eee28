// Bridge forwarding entries over rtnetlink (AF_BRIDGE RTM_NEWNEIGH/DELNEIGH/GETNEIGH with
// NTF_SELF, as `bridge fdb` sends them) and the entry decoder (pure).
#pragma once
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <vector>

#include "netlink/inet.h"
#include "netlink/types.h"

namespace netplugin::nl {

static_assert(sizeof(struct ndmsg) == 12, "ndmsg wire size");

// One static entry: frames for `mac` on device `index` are tunnelled to `dst`.
struct FdbSpec {
  int index = 0;
  std::vector<uint8_t> mac;
  InetPrefix dst;  // family 0 = no NDA_DST
};

// RTM_NEWNEIGH with NLM_F_CREATE|NLM_F_APPEND (`bridge fdb append`), or RTM_DELNEIGH when !add.
std::vector<uint8_t> BuildFdb(bool add, const FdbSpec& s, uint32_t seq);
// RTM_GETNEIGH dump of AF_BRIDGE entries, limited by the kernel to one device when index != 0.
std::vector<uint8_t> BuildFdbDump(int index, uint32_t seq);
// Decodes one AF_BRIDGE RTM_NEWNEIGH message; false when it is something else.
bool DecodeFdb(const struct nlmsghdr* h, FdbInfo* out);

}  // namespace netplugin::nl
