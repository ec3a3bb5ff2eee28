// rtnetlink vxlan links: the RTM_NEWLINK create request and the IFLA_INFO_DATA decoder (pure).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "netlink/attr.h"
#include "netlink/inet.h"
#include "netlink/types.h"

namespace netplugin::nl {

// A vxlan device: one VNI, unicast peers come from static FDB entries.
struct VxlanSpec {
  std::string name;
  uint32_t vni = 0;
  InetPrefix local;   // family 0 = none
  int linkIndex = 0;  // underlay device, 0 = none
  uint16_t dstPort = 4789;
  bool learning = false;
  bool tosInherit = false;  // outer header's TOS copied from the inner packet (IFLA_VXLAN_TOS 1)
  uint32_t mtu = 0;  // 0 = kernel default
};

// RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL and IFLA_INFO_KIND "vxlan".
std::vector<uint8_t> BuildVxlanCreate(const VxlanSpec& s, uint32_t seq);
// Decodes the IFLA_INFO_DATA nest of a vxlan link.
VxlanInfo DecodeVxlanData(const Attr& infoData);

}  // namespace netplugin::nl
