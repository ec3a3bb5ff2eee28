// OXM TLVs and struct ofp_match (OpenFlow 1.3 §7.2.3), plus the table of fields the plugin names.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "openflow/wire.h"

namespace netplugin::of {

// OXM classes (enum ofp_oxm_class).
enum ofp_oxm_class : uint16_t {
  OFPXMC_NXM_0 = 0x0000,
  OFPXMC_NXM_1 = 0x0001,
  OFPXMC_OPENFLOW_BASIC = 0x8000,
  OFPXMC_EXPERIMENTER = 0xFFFF,
};

// OpenFlow basic match fields (enum oxm_ofb_match_fields).
enum oxm_ofb_match_fields : uint8_t {
  OFPXMT_OFB_IN_PORT = 0,
  OFPXMT_OFB_IN_PHY_PORT = 1,
  OFPXMT_OFB_METADATA = 2,
  OFPXMT_OFB_ETH_DST = 3,
  OFPXMT_OFB_ETH_SRC = 4,
  OFPXMT_OFB_ETH_TYPE = 5,
  OFPXMT_OFB_VLAN_VID = 6,
  OFPXMT_OFB_VLAN_PCP = 7,
  OFPXMT_OFB_IP_DSCP = 8,
  OFPXMT_OFB_IP_ECN = 9,
  OFPXMT_OFB_IP_PROTO = 10,
  OFPXMT_OFB_IPV4_SRC = 11,
  OFPXMT_OFB_IPV4_DST = 12,
  OFPXMT_OFB_TCP_SRC = 13,
  OFPXMT_OFB_TCP_DST = 14,
  OFPXMT_OFB_UDP_SRC = 15,
  OFPXMT_OFB_UDP_DST = 16,
  OFPXMT_OFB_SCTP_SRC = 17,
  OFPXMT_OFB_SCTP_DST = 18,
  OFPXMT_OFB_ICMPV4_TYPE = 19,
  OFPXMT_OFB_ICMPV4_CODE = 20,
  OFPXMT_OFB_ARP_OP = 21,
  OFPXMT_OFB_ARP_SPA = 22,
  OFPXMT_OFB_ARP_TPA = 23,
  OFPXMT_OFB_ARP_SHA = 24,
  OFPXMT_OFB_ARP_THA = 25,
  OFPXMT_OFB_TUNNEL_ID = 38,
};

// Nicira conntrack match fields (class OFPXMC_NXM_1).
constexpr uint8_t NXM_NX_CT_STATE = 105;
constexpr uint8_t NXM_NX_CT_ZONE = 106;
constexpr uint8_t NXM_NX_CT_MARK = 107;
// Nicira conjunctive-match id (class OFPXMC_NXM_1): which conjunction(id, k/n) set matched.
constexpr uint8_t NXM_NX_CONJ_ID = 37;

constexpr uint16_t OFPVID_PRESENT = 0x1000;
constexpr uint16_t OFPMT_OXM = 1;

// Wire layout of struct ofp_match without its variable OXM payload.
struct ofp_match {
  uint16_t type;
  uint16_t length;
  uint8_t oxm_fields[4];
};
static_assert(sizeof(ofp_match) == 8, "ofp_match is 8 bytes");

// How a field's bytes read as a JS value.
enum class FieldKind : uint8_t { Uint, Uint64, Mac, Ipv4 };

// One field the plugin knows by name, with its OXM identity and how OVS spells it in actions.
struct FieldInfo {
  const char* name;       // camelCase name used in Match, e.g. "ethDst"
  uint16_t oxmClass;      // class used in matches and set_field
  uint8_t field;          // field number within the class
  uint8_t width;          // value length in bytes
  FieldKind kind;
  bool maskable;
  uint16_t moveClass;     // class OVS uses for this field inside NXAST_REG_MOVE (its NXM class if any)
  uint8_t moveField;
  uint16_t nxmClass;      // legacy NXM identity also accepted when decoding (0xffff: none)
  uint8_t nxmField;
};

// Every named field, in the order OVS emits them in a match (so encodings are byte-identical).
const std::vector<FieldInfo>& Fields();
// Looks a field up by its camelCase name; nullptr if unknown.
const FieldInfo* FieldByName(const std::string& name);
// Looks a field up by any OXM/NXM header identity it is known by; nullptr if unknown.
const FieldInfo* FieldByHeader(uint16_t oxmClass, uint8_t field);

// One OXM TLV; value and mask hold `length` bytes each.
struct OxmTlv {
  uint16_t oxmClass = OFPXMC_OPENFLOW_BASIC;
  uint8_t field = 0;
  bool hasMask = false;
  uint8_t length = 0;
  uint32_t experimenter = 0;
  std::array<uint8_t, 32> value{};
  std::array<uint8_t, 32> mask{};
};

// The OXM TLVs of a match, in wire order.
using Match = std::vector<OxmTlv>;

// Puts a TLV built from a JS match into the form ovs-vswitchd stores and dumps back (ct_state is kept
// in 8 bits, so it is always masked and its mask cut to 0xff); throws EncodeError for values OVS refuses.
void NormaliseMatchTlv(const FieldInfo& f, OxmTlv& t);
// Builds the 32-bit OXM header (class, field, hasmask, payload length).
uint32_t OxmHeader(uint16_t oxmClass, uint8_t field, bool hasMask, uint8_t payloadLength);
// Writes one OXM TLV.
void EncodeOxm(Writer& w, const OxmTlv& t);
// Reads one OXM TLV.
OxmTlv DecodeOxm(Reader& r);
// Writes struct ofp_match (type OFPMT_OXM) with its TLVs and padding.
void EncodeMatch(Writer& w, const Match& m);
// Reads struct ofp_match including its padding.
Match DecodeMatch(Reader& r);

}  // namespace netplugin::of
