// Action list encoding (OpenFlow 1.3 §7.2.5) and the Nicira NXAST_REG_MOVE and NXAST_CT extensions.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/conntrack.h"
#include "openflow/oxm.h"
#include "openflow/wire.h"

namespace netplugin::of {

// Action types (enum ofp_action_type).
enum ofp_action_type : uint16_t {
  OFPAT_OUTPUT = 0,
  OFPAT_COPY_TTL_OUT = 11,
  OFPAT_COPY_TTL_IN = 12,
  OFPAT_SET_MPLS_TTL = 15,
  OFPAT_DEC_MPLS_TTL = 16,
  OFPAT_PUSH_VLAN = 17,
  OFPAT_POP_VLAN = 18,
  OFPAT_PUSH_MPLS = 19,
  OFPAT_POP_MPLS = 20,
  OFPAT_SET_QUEUE = 21,
  OFPAT_GROUP = 22,
  OFPAT_SET_NW_TTL = 23,
  OFPAT_DEC_NW_TTL = 24,
  OFPAT_SET_FIELD = 25,
  OFPAT_PUSH_PBB = 26,
  OFPAT_POP_PBB = 27,
  OFPAT_EXPERIMENTER = 0xffff,
};

constexpr uint32_t NX_VENDOR_ID = 0x00002320;
constexpr uint16_t NXAST_REG_MOVE = 6;
constexpr uint16_t NXAST_CONJUNCTION = 34;
constexpr uint16_t OFPCML_NO_BUFFER = 0xffff;

// Wire layouts used for the fixed-size actions.
struct ofp_action_output {
  uint16_t type;
  uint16_t len;
  uint32_t port;
  uint16_t max_len;
  uint8_t pad[6];
};
static_assert(sizeof(ofp_action_output) == 16, "ofp_action_output is 16 bytes");
struct ofp_action_group {
  uint16_t type;
  uint16_t len;
  uint32_t group_id;
};
static_assert(sizeof(ofp_action_group) == 8, "ofp_action_group is 8 bytes");
struct ofp_action_push {
  uint16_t type;
  uint16_t len;
  uint16_t ethertype;
  uint8_t pad[2];
};
static_assert(sizeof(ofp_action_push) == 8, "ofp_action_push is 8 bytes");
struct nx_action_reg_move {
  uint16_t type;
  uint16_t len;
  uint32_t vendor;
  uint16_t subtype;
  uint16_t n_bits;
  uint16_t src_ofs;
  uint16_t dst_ofs;
  // followed by src and dst OXM/NXM headers, padded to 8 bytes
};
static_assert(sizeof(nx_action_reg_move) == 16, "nx_action_reg_move fixed part is 16 bytes");
// NXAST_CONJUNCTION: `clause` is 0-based on the wire (ovs-ofctl prints clause + 1).
struct nx_action_conjunction {
  uint16_t type;
  uint16_t len;
  uint32_t vendor;
  uint16_t subtype;
  uint8_t clause;
  uint8_t n_clauses;
  uint32_t id;
};
static_assert(sizeof(nx_action_conjunction) == 16, "nx_action_conjunction is 16 bytes");
// The clause counts vswitchd accepts (it refuses others with NXBAC_BAD_CONJUNCTION).
constexpr unsigned CONJUNCTION_MIN_CLAUSES = 2;
constexpr unsigned CONJUNCTION_MAX_CLAUSES = 64;

// One action. `type` selects which members are meaningful; unknown actions keep their raw bytes.
struct Action {
  uint16_t type = OFPAT_OUTPUT;
  uint32_t port = 0;         // OUTPUT
  uint16_t maxLen = 0;       // OUTPUT
  uint32_t groupId = 0;      // GROUP
  uint32_t queueId = 0;      // SET_QUEUE
  uint16_t ethertype = 0;    // PUSH_VLAN, POP_MPLS...
  OxmTlv field;              // SET_FIELD
  bool isRegMove = false;    // EXPERIMENTER + NXAST_REG_MOVE
  uint32_t srcHeader = 0, dstHeader = 0;
  uint16_t nBits = 0, srcOfs = 0, dstOfs = 0;
  bool isConjunction = false;  // EXPERIMENTER + NXAST_CONJUNCTION
  uint32_t conjId = 0;
  uint8_t clause = 0, nClauses = 0;  // clause as on the wire: 0-based
  bool isCt = false;         // EXPERIMENTER + NXAST_CT (a modelled form; others stay raw)
  Conntrack ct;
  std::vector<uint8_t> raw;  // whole action, for types this codec does not model
};

// Writes one action.
void EncodeAction(Writer& w, const Action& a);
// Writes a list of actions back to back.
void EncodeActions(Writer& w, const std::vector<Action>& actions);
// Reads actions until the reader is exhausted.
std::vector<Action> DecodeActions(Reader r);

}  // namespace netplugin::of
