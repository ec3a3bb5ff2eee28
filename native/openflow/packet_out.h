// OFPT_PACKET_OUT (OpenFlow 1.3 §7.3.7; 1.4 keeps the layout): a frame the controller hands the
// switch, with the actions to apply to it as if it had arrived on `in_port`.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/actions.h"
#include "openflow/flow_mod.h"
#include "openflow/ofp_header.h"

namespace netplugin::of {

// The reserved port a packet-out names when the frame comes from no real port (enum ofp_port_no).
constexpr uint32_t OFPP_CONTROLLER = 0xfffffffd;

// Wire layout of the fixed part, up to the actions.
struct ofp_packet_out {
  ofp_header header;
  uint32_t buffer_id;
  uint32_t in_port;
  uint16_t actions_len;
  uint8_t pad[6];
  // followed by actions_len bytes of actions, then the frame
};
static_assert(sizeof(ofp_packet_out) == 24, "ofp_packet_out fixed part is 24 bytes");

// Decoded or to-be-encoded packet-out; we never use switch buffers, so bufferId is OFP_NO_BUFFER and
// the whole frame travels in `data`.
struct PacketOut {
  uint32_t bufferId = OFP_NO_BUFFER;
  uint32_t inPort = OFPP_CONTROLLER;
  std::vector<Action> actions;
  std::vector<uint8_t> data;
};

// Appends one complete OFPT_PACKET_OUT message.
void EncodePacketOut(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const PacketOut& p);
// Decodes the body of an OFPT_PACKET_OUT.
PacketOut DecodePacketOut(Reader body);

}  // namespace netplugin::of
