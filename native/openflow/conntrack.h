// The Nicira conntrack action NXAST_CT and the NXAST_NAT action nested in it (OVS lib/ofp-actions.c,
// ovs-actions(7)). Only the forms the pipeline writes are modelled; everything else stays raw bytes.
#pragma once
#include <cstdint>

#include "openflow/wire.h"

namespace netplugin::of {

constexpr uint16_t NXAST_CT = 35;
constexpr uint16_t NXAST_NAT = 36;

// enum nx_conntrack_flags
constexpr uint16_t NX_CT_F_COMMIT = 1 << 0;
constexpr uint16_t NX_CT_F_FORCE = 1 << 1;
// recirc_table value meaning "do not recirculate" (OFPTT_ALL).
constexpr uint8_t NX_CT_RECIRC_NONE = 0xff;

// enum nx_nat_flags
constexpr uint16_t NX_NAT_F_SRC = 1 << 0;
constexpr uint16_t NX_NAT_F_DST = 1 << 1;
constexpr uint16_t NX_NAT_F_PERSISTENT = 1 << 2;
constexpr uint16_t NX_NAT_F_PROTO_HASH = 1 << 3;
constexpr uint16_t NX_NAT_F_PROTO_RANDOM = 1 << 4;

// enum nx_nat_range: which optional parameters follow struct nx_action_nat, in this order.
constexpr uint16_t NX_NAT_RANGE_IPV4_MIN = 1 << 0;
constexpr uint16_t NX_NAT_RANGE_IPV4_MAX = 1 << 1;
constexpr uint16_t NX_NAT_RANGE_IPV6_MIN = 1 << 2;
constexpr uint16_t NX_NAT_RANGE_IPV6_MAX = 1 << 3;
constexpr uint16_t NX_NAT_RANGE_PROTO_MIN = 1 << 4;
constexpr uint16_t NX_NAT_RANGE_PROTO_MAX = 1 << 5;

// Wire layouts, for their sizes (the codec writes fields one by one, big-endian).
struct nx_action_conntrack {
  uint16_t type;  // OFPAT_EXPERIMENTER
  uint16_t len;   // 24 + nested actions
  uint32_t vendor;
  uint16_t subtype;  // NXAST_CT
  uint16_t flags;    // NX_CT_F_*
  uint32_t zone_src;        // 0: the zone is zone_imm
  uint16_t zone_imm;        // or zone_ofs_nbits when zone_src is a field
  uint8_t recirc_table;     // NX_CT_RECIRC_NONE: no recirculation
  uint8_t pad[3];
  uint16_t alg;
  // followed by nested actions
};
static_assert(sizeof(nx_action_conntrack) == 24, "nx_action_conntrack is 24 bytes");
struct nx_action_nat {
  uint16_t type;  // OFPAT_EXPERIMENTER
  uint16_t len;   // 16 + parameters, padded to 8
  uint32_t vendor;
  uint16_t subtype;  // NXAST_NAT
  uint8_t pad[2];
  uint16_t flags;          // NX_NAT_F_*
  uint16_t range_present;  // NX_NAT_RANGE_*
  // followed by the parameters range_present names
};
static_assert(sizeof(nx_action_nat) == 16, "nx_action_nat is 16 bytes");

// The NAT nested in a ct action. flags == 0 is the bare `nat` (apply an existing binding); otherwise
// exactly one of NX_NAT_F_SRC/DST with an IPv4 range (min always present).
struct CtNat {
  uint16_t flags = 0;
  uint32_t ipv4Min = 0;
  uint32_t ipv4Max = 0;  // 0: absent
  uint16_t protoMin = 0;  // 0: absent
  uint16_t protoMax = 0;  // 0: absent
};

// A modelled ct action: an immediate zone, optional commit, optional recirculation, optional NAT.
struct Conntrack {
  uint16_t flags = 0;  // NX_CT_F_COMMIT only
  uint16_t zone = 0;
  uint8_t recircTable = NX_CT_RECIRC_NONE;
  bool hasNat = false;
  CtNat nat;
};

// Throws EncodeError naming the member when `ct` is something vswitchd would refuse or store differently.
void ValidateConntrack(const Conntrack& ct);
// Writes the whole NXAST_CT action (with its nested NXAST_NAT) exactly as ovs-vswitchd encodes it.
void EncodeConntrack(Writer& w, const Conntrack& ct);
// Reads an NXAST_CT action's bytes (all of it, from its type); false for any form not modelled,
// or whose re-encoding would not give back the same bytes (the caller keeps those raw).
bool DecodeConntrack(const uint8_t* action, size_t len, Conntrack* out);

}  // namespace netplugin::of
