// SR-IOV virtual functions: the RTM_NEWLINK request that configures one VF on its PF, and the
// decoder of IFLA_VFINFO_LIST (pure). Struct and attribute names are those of linux/if_link.h.
#pragma once
#include <linux/if_link.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "netlink/attr.h"
#include "netlink/types.h"

namespace netplugin::nl {

static_assert(sizeof(struct ifla_vf_mac) == 36, "ifla_vf_mac wire size");
static_assert(sizeof(struct ifla_vf_vlan) == 12, "ifla_vf_vlan wire size");
static_assert(sizeof(struct ifla_vf_vlan_info) == 16, "ifla_vf_vlan_info wire size");
static_assert(sizeof(struct ifla_vf_tx_rate) == 8, "ifla_vf_tx_rate wire size");
static_assert(sizeof(struct ifla_vf_rate) == 12, "ifla_vf_rate wire size");
static_assert(sizeof(struct ifla_vf_spoofchk) == 8, "ifla_vf_spoofchk wire size");
static_assert(sizeof(struct ifla_vf_trust) == 8, "ifla_vf_trust wire size");
static_assert(sizeof(struct ifla_vf_link_state) == 8, "ifla_vf_link_state wire size");

// What to set on one VF; only the given settings are sent.
struct VfConfig {
  int pfIndex = 0;
  uint32_t vf = 0;
  std::vector<uint8_t> mac;          // empty = leave alone
  std::optional<uint32_t> vlan;      // with qos and vlanProto
  uint32_t qos = 0;
  uint16_t vlanProto = 0;            // host order ETH_P_8021Q / ETH_P_8021AD; 0 = 802.1Q
  std::optional<uint32_t> txRate;    // legacy IFLA_VF_TX_RATE (Mbit/s), what `ip link ... rate N` sends
  std::optional<uint32_t> minTxRate; // IFLA_VF_RATE: both fields are always sent together
  std::optional<uint32_t> maxTxRate;
  std::optional<bool> spoofchk;
  std::optional<bool> trust;
  std::optional<uint32_t> linkState;  // IFLA_VF_LINK_STATE_AUTO / ENABLE / DISABLE
};

// RTM_NEWLINK on the PF with IFLA_VFINFO_LIST > IFLA_VF_INFO > the configured attributes, in
// iproute2's order (mac, vlan, tx_rate, spoofchk, trust, link_state, then IFLA_VF_RATE last).
std::vector<uint8_t> BuildVfSet(const VfConfig& c, uint32_t seq);
// Decodes the IFLA_VF_INFO entries of an IFLA_VFINFO_LIST; `macLen` is the PF's address length.
std::vector<VfInfo> DecodeVfInfoList(const Attr& list, size_t macLen);

}  // namespace netplugin::nl
