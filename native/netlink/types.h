// Plain results of decoded netlink replies, shared by codec, policy and the JS bridge.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netplugin::nl {

// The settings of a vxlan link (IFLA_INFO_DATA of kind "vxlan").
struct VxlanInfo {
  uint32_t vni = 0;
  std::string local;  // "" = none
  uint16_t dstPort = 0;
  bool learning = false;
  bool tosInherit = false;
};

// The state of one SR-IOV virtual function (one IFLA_VF_INFO of IFLA_VFINFO_LIST); a field is
// unset when its attribute was absent (or, for spoofchk/trust, reported as unknown).
struct VfInfo {
  uint32_t vf = 0;
  std::string mac;  // "" = no IFLA_VF_MAC
  std::optional<uint32_t> vlan;
  uint32_t qos = 0;
  uint16_t vlanProto = 0;  // host order ETH_P_8021Q / ETH_P_8021AD
  std::optional<uint32_t> txRate;
  std::optional<uint32_t> minTxRate;
  std::optional<uint32_t> maxTxRate;
  std::optional<bool> spoofchk;
  std::optional<bool> trust;
  std::optional<uint32_t> linkState;
};

// One network interface as RTM_NEWLINK describes it.
struct LinkInfo {
  int index = 0;
  std::string name;
  uint32_t mtu = 0;
  std::string mac;
  bool up = false;
  bool operUp = false;
  std::string kind;
  int masterIndex = 0;  // 0 = none
  int peerIndex = 0;    // IFLA_LINK, 0 = none
  bool hasVxlan = false;
  VxlanInfo vxlan;
  std::optional<uint32_t> numVf;  // IFLA_NUM_VF (only devices with a parent bus device send it)
  bool hasVfList = false;         // IFLA_VFINFO_LIST was present
  std::vector<VfInfo> vfs;
};

// One interface address as RTM_NEWADDR describes it.
struct AddrInfo {
  std::string name;  // IFA_LABEL when the kernel sends one, else filled in by the caller
  int index = 0;
  std::string cidr;
  int family = 4;
};

// One route as RTM_NEWROUTE describes it.
struct RouteInfo {
  std::string dst;  // "default" or cidr
  std::string gateway;
  int oif = 0;
  std::string dev;  // filled in by the caller from oif
  uint32_t table = 0;
  uint8_t type = 0;
  uint8_t protocol = 0;  // rtm_protocol: who installed the route (RTPROT_KERNEL, RTPROT_BOOT, ...)
  int family = 4;
};

// One bridge forwarding entry (AF_BRIDGE RTM_NEWNEIGH), e.g. of a vxlan device.
struct FdbInfo {
  int index = 0;
  std::string mac;
  std::string dst;  // "" = no NDA_DST
  bool permanent = false;
};

// One ethtool feature bit.
struct FeatureInfo {
  std::string name;
  bool active = false;
  bool changeable = false;
};

}  // namespace netplugin::nl
