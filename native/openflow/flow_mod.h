// OFPT_FLOW_MOD (OpenFlow 1.3 §7.3.4.1).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/instructions.h"
#include "openflow/ofp_header.h"
#include "openflow/oxm.h"

namespace netplugin::of {

// Flow-mod commands (enum ofp_flow_mod_command).
enum ofp_flow_mod_command : uint8_t {
  OFPFC_ADD = 0,
  OFPFC_MODIFY = 1,
  OFPFC_MODIFY_STRICT = 2,
  OFPFC_DELETE = 3,
  OFPFC_DELETE_STRICT = 4,
};

constexpr uint32_t OFP_NO_BUFFER = 0xffffffff;
constexpr uint32_t OFPP_ANY = 0xffffffff;
constexpr uint32_t OFPG_ANY = 0xffffffff;
constexpr uint8_t OFPTT_ALL = 0xff;

// Wire layout of struct ofp_flow_mod up to (and including) the fixed part of its match.
struct ofp_flow_mod {
  ofp_header header;
  uint64_t cookie;
  uint64_t cookie_mask;
  uint8_t table_id;
  uint8_t command;
  uint16_t idle_timeout;
  uint16_t hard_timeout;
  uint16_t priority;
  uint32_t buffer_id;
  uint32_t out_port;
  uint32_t out_group;
  uint16_t flags;
  uint8_t pad[2];
  ofp_match match;
};
static_assert(sizeof(ofp_flow_mod) == 56, "ofp_flow_mod is 56 bytes");

// Decoded or to-be-encoded flow-mod body.
struct FlowMod {
  uint64_t cookie = 0, cookieMask = 0;
  uint8_t tableId = 0;
  uint8_t command = OFPFC_ADD;
  uint16_t idleTimeout = 0, hardTimeout = 0, priority = 0;
  uint32_t bufferId = OFP_NO_BUFFER;
  uint32_t outPort = OFPP_ANY, outGroup = OFPG_ANY;
  uint16_t flags = 0;
  Match match;
  std::vector<Instruction> instructions;
};

// Appends one complete OFPT_FLOW_MOD message.
void EncodeFlowMod(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const FlowMod& m);
// Decodes the body of an OFPT_FLOW_MOD (reader positioned after the header).
FlowMod DecodeFlowMod(Reader body);

}  // namespace netplugin::of
