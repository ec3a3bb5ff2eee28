#include "openflow/oxm.h"

#include <unordered_map>

namespace netplugin::of {

namespace {
constexpr uint16_t NONE = 0xffff;
constexpr uint16_t B = OFPXMC_OPENFLOW_BASIC;

std::vector<FieldInfo> MakeFields() {
  // OVS's nx_put_raw order: conj_id (seen first in ovs-ofctl's bytes), in_port, Ethernet, VLAN, L3, L4, ARP, tunnel, registers, metadata.
  std::vector<FieldInfo> f = {
      {"conjId", OFPXMC_NXM_1, NXM_NX_CONJ_ID, 4, FieldKind::Uint, false, OFPXMC_NXM_1, NXM_NX_CONJ_ID, NONE, 0},
      {"inPort", B, OFPXMT_OFB_IN_PORT, 4, FieldKind::Uint, false, B, OFPXMT_OFB_IN_PORT, NONE, 0},
      {"ethSrc", B, OFPXMT_OFB_ETH_SRC, 6, FieldKind::Mac, true, B, OFPXMT_OFB_ETH_SRC, OFPXMC_NXM_0, 2},
      {"ethDst", B, OFPXMT_OFB_ETH_DST, 6, FieldKind::Mac, true, B, OFPXMT_OFB_ETH_DST, OFPXMC_NXM_0, 1},
      {"ethType", B, OFPXMT_OFB_ETH_TYPE, 2, FieldKind::Uint, false, B, OFPXMT_OFB_ETH_TYPE, OFPXMC_NXM_0, 3},
      {"vlanVid", B, OFPXMT_OFB_VLAN_VID, 2, FieldKind::Uint, true, B, OFPXMT_OFB_VLAN_VID, NONE, 0},
      {"ipv4Src", B, OFPXMT_OFB_IPV4_SRC, 4, FieldKind::Ipv4, true, B, OFPXMT_OFB_IPV4_SRC, OFPXMC_NXM_0, 7},
      {"ipv4Dst", B, OFPXMT_OFB_IPV4_DST, 4, FieldKind::Ipv4, true, B, OFPXMT_OFB_IPV4_DST, OFPXMC_NXM_0, 8},
      {"ipDscp", B, OFPXMT_OFB_IP_DSCP, 1, FieldKind::Uint, false, B, OFPXMT_OFB_IP_DSCP, NONE, 0},
      {"ipProto", B, OFPXMT_OFB_IP_PROTO, 1, FieldKind::Uint, false, B, OFPXMT_OFB_IP_PROTO, OFPXMC_NXM_0, 6},
      {"tcpSrc", B, OFPXMT_OFB_TCP_SRC, 2, FieldKind::Uint, false, B, OFPXMT_OFB_TCP_SRC, OFPXMC_NXM_0, 9},
      {"tcpDst", B, OFPXMT_OFB_TCP_DST, 2, FieldKind::Uint, false, B, OFPXMT_OFB_TCP_DST, OFPXMC_NXM_0, 10},
      {"udpSrc", B, OFPXMT_OFB_UDP_SRC, 2, FieldKind::Uint, false, B, OFPXMT_OFB_UDP_SRC, OFPXMC_NXM_0, 11},
      {"udpDst", B, OFPXMT_OFB_UDP_DST, 2, FieldKind::Uint, false, B, OFPXMT_OFB_UDP_DST, OFPXMC_NXM_0, 12},
      {"icmpv4Type", B, OFPXMT_OFB_ICMPV4_TYPE, 1, FieldKind::Uint, false, B, OFPXMT_OFB_ICMPV4_TYPE, OFPXMC_NXM_0, 13},
      {"arpOp", B, OFPXMT_OFB_ARP_OP, 2, FieldKind::Uint, false, B, OFPXMT_OFB_ARP_OP, OFPXMC_NXM_0, 15},
      {"arpSpa", B, OFPXMT_OFB_ARP_SPA, 4, FieldKind::Ipv4, true, B, OFPXMT_OFB_ARP_SPA, OFPXMC_NXM_0, 16},
      {"arpTpa", B, OFPXMT_OFB_ARP_TPA, 4, FieldKind::Ipv4, true, B, OFPXMT_OFB_ARP_TPA, OFPXMC_NXM_0, 17},
      {"arpSha", B, OFPXMT_OFB_ARP_SHA, 6, FieldKind::Mac, true, OFPXMC_NXM_1, 17, OFPXMC_NXM_1, 17},
      {"arpTha", B, OFPXMT_OFB_ARP_THA, 6, FieldKind::Mac, true, OFPXMC_NXM_1, 18, OFPXMC_NXM_1, 18},
      {"tunnelId", B, OFPXMT_OFB_TUNNEL_ID, 8, FieldKind::Uint64, true, B, OFPXMT_OFB_TUNNEL_ID, OFPXMC_NXM_1, 16},
      // NXM_NX_TUN_IPV4_SRC/DST: the outer addresses of flow-based tunnel ports.
      {"tunIpv4Src", OFPXMC_NXM_1, 31, 4, FieldKind::Ipv4, true, OFPXMC_NXM_1, 31, OFPXMC_NXM_1, 31},
      {"tunIpv4Dst", OFPXMC_NXM_1, 32, 4, FieldKind::Ipv4, true, OFPXMC_NXM_1, 32, OFPXMC_NXM_1, 32},
  };
  static const char* regs[] = {"reg0", "reg1", "reg2", "reg3", "reg4", "reg5", "reg6", "reg7"};
  for (uint8_t i = 0; i < 8; ++i)
    f.push_back({regs[i], OFPXMC_NXM_1, i, 4, FieldKind::Uint, true, OFPXMC_NXM_1, i, NONE, 0});
  const uint16_t X = OFPXMC_NXM_1;
  f.push_back({"ctState", X, NXM_NX_CT_STATE, 4, FieldKind::Uint, true, X, NXM_NX_CT_STATE, NONE, 0});
  f.push_back({"ctZone", X, NXM_NX_CT_ZONE, 2, FieldKind::Uint, false, X, NXM_NX_CT_ZONE, NONE, 0});
  f.push_back({"ctMark", X, NXM_NX_CT_MARK, 4, FieldKind::Uint, true, X, NXM_NX_CT_MARK, NONE, 0});
  f.push_back({"metadata", B, OFPXMT_OFB_METADATA, 8, FieldKind::Uint64, true, B, OFPXMT_OFB_METADATA, NONE, 0});
  // Inside reg_move OVS names every field by its NXM identity when it has one (seen in ovs-ofctl's bytes).
  for (auto& x : f)
    if (x.nxmClass != NONE) {
      x.moveClass = x.nxmClass;
      x.moveField = x.nxmField;
    }
  return f;
}
}  // namespace

const std::vector<FieldInfo>& Fields() {
  static const std::vector<FieldInfo> fields = MakeFields();
  return fields;
}

const FieldInfo* FieldByName(const std::string& name) {
  static const std::unordered_map<std::string, const FieldInfo*> byName = [] {
    std::unordered_map<std::string, const FieldInfo*> m;
    for (const auto& f : Fields()) m[f.name] = &f;
    return m;
  }();
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

const FieldInfo* FieldByHeader(uint16_t oxmClass, uint8_t field) {
  for (const auto& f : Fields()) {
    if (f.oxmClass == oxmClass && f.field == field) return &f;
    if (f.nxmClass == oxmClass && f.nxmField == field) return &f;
  }
  return nullptr;
}

void NormaliseMatchTlv(const FieldInfo& f, OxmTlv& t) {
  if (f.oxmClass != OFPXMC_NXM_1 || f.field != NXM_NX_CT_STATE) return;
  if (t.value[0] | t.value[1] | t.value[2])
    throw EncodeError("match.ctState: only bits 0..7 are conntrack states (new est rel rpl inv trk snat dnat)");
  // An absent (or all-ones) mask means every state bit: OVS's 8-bit exact mask, which it still puts masked.
  if (!t.hasMask) t.mask[3] = 0xff;
  t.mask[0] = t.mask[1] = t.mask[2] = 0;
  t.hasMask = true;
}

uint32_t OxmHeader(uint16_t oxmClass, uint8_t field, bool hasMask, uint8_t payloadLength) {
  return uint32_t(oxmClass) << 16 | uint32_t(field) << 9 | uint32_t(hasMask ? 1 : 0) << 8 | payloadLength;
}

void EncodeOxm(Writer& w, const OxmTlv& t) {
  bool exp = t.oxmClass == OFPXMC_EXPERIMENTER;
  size_t payload = (exp ? 4 : 0) + t.length * (t.hasMask ? 2 : 1);
  if (payload > 255) throw EncodeError("OXM payload too long");
  w.u32(OxmHeader(t.oxmClass, t.field, t.hasMask, uint8_t(payload)));
  if (exp) w.u32(t.experimenter);
  w.bytes(t.value.data(), t.length);
  if (t.hasMask) w.bytes(t.mask.data(), t.length);
}

OxmTlv DecodeOxm(Reader& r) {
  OxmTlv t;
  uint32_t h = r.u32();
  t.oxmClass = uint16_t(h >> 16);
  t.field = uint8_t((h >> 9) & 0x7f);
  t.hasMask = (h >> 8) & 1;
  size_t payload = h & 0xff;
  if (t.oxmClass == OFPXMC_EXPERIMENTER) {
    if (payload < 4) throw DecodeError("experimenter OXM without experimenter id");
    t.experimenter = r.u32();
    payload -= 4;
  }
  if (t.hasMask && payload % 2) throw DecodeError("masked OXM with odd payload length");
  t.length = uint8_t(t.hasMask ? payload / 2 : payload);
  if (t.length > t.value.size()) throw DecodeError("OXM value longer than 32 bytes");
  r.copy(t.value.data(), t.length);
  if (t.hasMask) r.copy(t.mask.data(), t.length);
  return t;
}

void EncodeMatch(Writer& w, const Match& m) {
  size_t start = w.size();
  w.u16(OFPMT_OXM);
  w.u16(0);
  for (const auto& t : m) EncodeOxm(w, t);
  w.patchLen(start + 2, start);  // length excludes padding (§7.2.3)
  w.pad8(start);
}

Match DecodeMatch(Reader& r) {
  uint16_t type = r.u16();
  uint16_t length = r.u16();
  if (type != OFPMT_OXM) throw DecodeError("match is not OFPMT_OXM");
  if (length < 4) throw DecodeError("ofp_match length below 4");
  Reader body = r.sub(length - 4);
  r.skip((8 - length % 8) % 8);
  Match m;
  while (body.remaining() > 0) m.push_back(DecodeOxm(body));
  return m;
}

}  // namespace netplugin::of
