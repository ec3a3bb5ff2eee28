// rtnetlink link requests (RTM_NEWLINK/DELLINK/GETLINK) and the RTM_NEWLINK decoder (pure).
#pragma once
#include <linux/rtnetlink.h>

#include <optional>
#include <string>
#include <vector>

#include "netlink/types.h"

namespace netplugin::nl {

static_assert(sizeof(struct ifinfomsg) == 16, "ifinfomsg wire size");

// A veth pair; the peer may be created straight into another namespace via peerNsFd.
struct VethSpec {
  std::string name;
  std::string peerName;
  uint32_t mtu = 0;  // 0 = kernel default; applied to both ends
  std::vector<uint8_t> mac;
  std::vector<uint8_t> peerMac;
  int peerNsFd = -1;
};

// Changes to one existing link, all carried by a single RTM_NEWLINK.
struct LinkChange {
  int index = 0;
  std::optional<bool> up;
  uint32_t mtu = 0;
  std::vector<uint8_t> mac;
  std::string newName;
  int nsFd = -1;  // move into the namespace behind this fd
};

// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL and IFLA_INFO_KIND "veth".
std::vector<uint8_t> BuildVethCreate(const VethSpec& s, uint32_t seq);
// RTM_NEWLINK on an existing index.
std::vector<uint8_t> BuildLinkChange(const LinkChange& c, uint32_t seq);
// RTM_DELLINK by index.
std::vector<uint8_t> BuildLinkDel(int index, uint32_t seq);
// RTM_GETLINK for one link by IFLA_IFNAME (no dump).
std::vector<uint8_t> BuildLinkGetByName(const std::string& name, uint32_t seq);
// RTM_GETLINK dump of every link.
std::vector<uint8_t> BuildLinkDump(uint32_t seq);
// Decodes one RTM_NEWLINK message; false when it is something else.
bool DecodeLink(const struct nlmsghdr* h, LinkInfo* out);

}  // namespace netplugin::nl
