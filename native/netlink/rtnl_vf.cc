#include "netlink/rtnl_vf.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cstring>

#include "netlink/inet.h"

namespace netplugin::nl {

namespace {

// Copies a fixed-size kernel struct out of an attribute; false when the payload is too short.
template <class T>
bool Read(const Attr* a, T* out) {
  if (!a || a->len < sizeof(T)) return false;
  std::memcpy(out, a->data, sizeof(T));
  return true;
}

// The kernel reports an unknown spoofchk/trust setting as -1.
std::optional<bool> Setting(uint32_t v) {
  if (v == static_cast<uint32_t>(-1)) return std::nullopt;
  return v != 0;
}

}  // namespace

std::vector<uint8_t> BuildVfSet(const VfConfig& c, uint32_t seq) {
  MessageBuilder m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
  struct ifinfomsg ifi {};
  ifi.ifi_index = c.pfIndex;
  m.Header(ifi);
  size_t list = m.BeginNest(IFLA_VFINFO_LIST);
  size_t info = m.BeginNest(IFLA_VF_INFO);
  if (!c.mac.empty()) {
    struct ifla_vf_mac v {};
    v.vf = c.vf;
    std::memcpy(v.mac, c.mac.data(), std::min(c.mac.size(), sizeof(v.mac)));
    m.Put(IFLA_VF_MAC, &v, sizeof(v));
  }
  if (c.vlan) {
    if (c.vlanProto == ETH_P_8021AD) {
      // Only 802.1ad needs the list form; iproute2 keeps 802.1Q on the legacy attribute.
      struct ifla_vf_vlan_info v {};
      v.vf = c.vf;
      v.vlan = *c.vlan;
      v.qos = c.qos;
      v.vlan_proto = htons(ETH_P_8021AD);
      size_t vl = m.BeginNest(IFLA_VF_VLAN_LIST);
      m.Put(IFLA_VF_VLAN_INFO, &v, sizeof(v));
      m.EndNest(vl);
    } else {
      struct ifla_vf_vlan v {};
      v.vf = c.vf;
      v.vlan = *c.vlan;
      v.qos = c.qos;
      m.Put(IFLA_VF_VLAN, &v, sizeof(v));
    }
  }
  if (c.txRate) {
    struct ifla_vf_tx_rate v {};
    v.vf = c.vf;
    v.rate = *c.txRate;
    m.Put(IFLA_VF_TX_RATE, &v, sizeof(v));
  }
  if (c.spoofchk) {
    struct ifla_vf_spoofchk v {};
    v.vf = c.vf;
    v.setting = *c.spoofchk ? 1 : 0;
    m.Put(IFLA_VF_SPOOFCHK, &v, sizeof(v));
  }
  if (c.trust) {
    struct ifla_vf_trust v {};
    v.vf = c.vf;
    v.setting = *c.trust ? 1 : 0;
    m.Put(IFLA_VF_TRUST, &v, sizeof(v));
  }
  if (c.linkState) {
    struct ifla_vf_link_state v {};
    v.vf = c.vf;
    v.link_state = *c.linkState;
    m.Put(IFLA_VF_LINK_STATE, &v, sizeof(v));
  }
  if (c.minTxRate || c.maxTxRate) {
    // The kernel sets both rates from one attribute; an unset one is 0 (no guarantee / no limit).
    struct ifla_vf_rate v {};
    v.vf = c.vf;
    v.min_tx_rate = c.minTxRate.value_or(0);
    v.max_tx_rate = c.maxTxRate.value_or(0);
    m.Put(IFLA_VF_RATE, &v, sizeof(v));
  }
  m.EndNest(info);
  m.EndNest(list);
  return m.Finish(seq);
}

std::vector<VfInfo> DecodeVfInfoList(const Attr& list, size_t macLen) {
  std::vector<VfInfo> out;
  AttrTable entries(list);
  for (const Attr& entry : entries.All()) {
    if (entry.type != IFLA_VF_INFO) continue;
    AttrTable t(entry);
    VfInfo v;
    bool any = false;
    // Every attribute carries the VF number; the first one present names the VF.
    auto vfOf = [&](uint32_t n) {
      if (!any) v.vf = n;
      any = true;
    };
    struct ifla_vf_mac mac;
    if (Read(t.Get(IFLA_VF_MAC), &mac)) {
      vfOf(mac.vf);
      v.mac = FormatMac(mac.mac, std::min(macLen ? macLen : 6, sizeof(mac.mac)));
    }
    struct ifla_vf_vlan vlan;
    if (Read(t.Get(IFLA_VF_VLAN), &vlan)) {
      vfOf(vlan.vf);
      v.vlan = vlan.vlan;
      v.qos = vlan.qos;
      v.vlanProto = ETH_P_8021Q;
    }
    if (const Attr* vl = t.Get(IFLA_VF_VLAN_LIST)) {
      struct ifla_vf_vlan_info vi;
      // One entry is all a VF carries today (the kernel's MAX_VLAN_LIST_LEN is 1).
      if (Read(AttrTable(*vl).Get(IFLA_VF_VLAN_INFO), &vi)) {
        vfOf(vi.vf);
        v.vlan = vi.vlan;
        v.qos = vi.qos;
        v.vlanProto = ntohs(vi.vlan_proto);
      }
    }
    struct ifla_vf_tx_rate tx;
    if (Read(t.Get(IFLA_VF_TX_RATE), &tx)) {
      vfOf(tx.vf);
      v.txRate = tx.rate;
    }
    struct ifla_vf_rate rate;
    if (Read(t.Get(IFLA_VF_RATE), &rate)) {
      vfOf(rate.vf);
      v.minTxRate = rate.min_tx_rate;
      v.maxTxRate = rate.max_tx_rate;
    }
    struct ifla_vf_spoofchk sc;
    if (Read(t.Get(IFLA_VF_SPOOFCHK), &sc)) {
      vfOf(sc.vf);
      v.spoofchk = Setting(sc.setting);
    }
    struct ifla_vf_trust tr;
    if (Read(t.Get(IFLA_VF_TRUST), &tr)) {
      vfOf(tr.vf);
      v.trust = Setting(tr.setting);
    }
    struct ifla_vf_link_state ls;
    if (Read(t.Get(IFLA_VF_LINK_STATE), &ls)) {
      vfOf(ls.vf);
      v.linkState = ls.link_state;
    }
    if (any) out.push_back(v);
  }
  return out;
}

}  // namespace netplugin::nl
