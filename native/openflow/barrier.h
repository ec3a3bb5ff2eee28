// OFPT_BARRIER_REQUEST / REPLY (OpenFlow 1.3 §7.3.8): the switch answers only after every earlier message is done.
#pragma once
#include <cstdint>
#include <vector>

namespace netplugin::of {

// Appends a barrier request (header only).
void EncodeBarrierRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid);

}  // namespace netplugin::of
