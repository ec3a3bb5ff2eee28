// OFPT_ECHO_REQUEST / OFPT_ECHO_REPLY (OpenFlow 1.3 §7.5.3).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/ofp_header.h"

namespace netplugin::of {

// Appends an echo request or reply carrying `data` verbatim.
void EncodeEcho(std::vector<uint8_t>& out, uint8_t version, uint8_t type, uint32_t xid, const uint8_t* data, size_t n);
// Appends the reply to a complete echo request frame (same version, xid and payload).
void EncodeEchoReplyFor(std::vector<uint8_t>& out, const uint8_t* request, size_t n);

}  // namespace netplugin::of
