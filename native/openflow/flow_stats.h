// OFPMP_FLOW request and reply bodies (OpenFlow 1.3 §7.3.5.2).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/instructions.h"
#include "openflow/multipart.h"
#include "openflow/oxm.h"

namespace netplugin::of {

// Wire layouts without their variable match.
struct ofp_flow_stats_request {
  uint8_t table_id;
  uint8_t pad[3];
  uint32_t out_port;
  uint32_t out_group;
  uint8_t pad2[4];
  uint64_t cookie;
  uint64_t cookie_mask;
  ofp_match match;
};
static_assert(sizeof(ofp_flow_stats_request) == 40, "ofp_flow_stats_request is 40 bytes");
struct ofp_flow_stats {
  uint16_t length;
  uint8_t table_id;
  uint8_t pad;
  uint32_t duration_sec;
  uint32_t duration_nsec;
  uint16_t priority;
  uint16_t idle_timeout;
  uint16_t hard_timeout;
  uint16_t flags;
  uint8_t pad2[4];
  uint64_t cookie;
  uint64_t packet_count;
  uint64_t byte_count;
  ofp_match match;
};
static_assert(sizeof(ofp_flow_stats) == 56, "ofp_flow_stats is 56 bytes");

// Filter of a flow-stats request.
struct FlowStatsRequest {
  uint8_t tableId = 0xff;
  uint32_t outPort = 0xffffffff, outGroup = 0xffffffff;
  uint64_t cookie = 0, cookieMask = 0;
  Match match;
};

// One flow of a flow-stats reply.
struct FlowStats {
  uint8_t tableId = 0;
  uint32_t durationSec = 0, durationNsec = 0;
  uint16_t priority = 0, idleTimeout = 0, hardTimeout = 0, flags = 0;
  uint64_t cookie = 0, packetCount = 0, byteCount = 0;
  Match match;
  std::vector<Instruction> instructions;
};

// Appends a complete OFPMP_FLOW multipart request.
void EncodeFlowStatsRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const FlowStatsRequest& q);
// Decodes a flow-stats request body (after the multipart header).
FlowStatsRequest DecodeFlowStatsRequest(Reader body);
// Decodes every ofp_flow_stats in a reply body (after the multipart header).
std::vector<FlowStats> DecodeFlowStatsReply(Reader body);

}  // namespace netplugin::of
