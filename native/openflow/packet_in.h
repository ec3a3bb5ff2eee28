// OFPT_PACKET_IN (OpenFlow 1.3 §7.4.1; 1.4 keeps the layout) and OFPT_SET_CONFIG (§7.3.2), which a
// service connection such as the bridge's management socket needs before vswitchd sends it packet-ins.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/ofp_header.h"
#include "openflow/oxm.h"

namespace netplugin::of {

// Why a packet came to the controller (enum ofp_packet_in_reason; 1.4 adds the last three).
enum ofp_packet_in_reason : uint8_t {
  OFPR_NO_MATCH = 0,
  OFPR_ACTION = 1,
  OFPR_INVALID_TTL = 2,
  OFPR_ACTION_SET = 3,
  OFPR_GROUP = 4,
  OFPR_PACKET_OUT = 5,
};

// Wire layout of the fixed part, up to the match.
struct ofp_packet_in {
  ofp_header header;
  uint32_t buffer_id;
  uint16_t total_len;
  uint8_t reason;
  uint8_t table_id;
  uint64_t cookie;
  // followed by struct ofp_match (padded to 8), 2 pad bytes, then the frame
};
static_assert(sizeof(ofp_packet_in) == 24, "ofp_packet_in fixed part is 24 bytes");

struct ofp_switch_config {
  ofp_header header;
  uint16_t flags;
  uint16_t miss_send_len;
};
static_assert(sizeof(ofp_switch_config) == 12, "ofp_switch_config is 12 bytes");

// Decoded packet-in; `data` points into the message (valid while its buffer lives).
struct PacketIn {
  uint32_t bufferId = 0;
  uint16_t totalLen = 0;
  uint8_t reason = 0;
  uint8_t tableId = 0;
  uint64_t cookie = 0;
  Match match;
  const uint8_t* data = nullptr;
  size_t dataLen = 0;
};

// Decodes the body of an OFPT_PACKET_IN.
PacketIn DecodePacketIn(Reader body);
// Appends an OFPT_SET_CONFIG with these flags (OFPC_FRAG_*) and miss_send_len.
void EncodeSetConfig(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t flags, uint16_t missSendLen);

}  // namespace netplugin::of
