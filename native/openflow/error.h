// OFPT_ERROR (OpenFlow 1.3 §7.4.4, plus OpenFlow 1.4's OFPET_BUNDLE_FAILED) and readable names for it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "openflow/ofp_header.h"

namespace netplugin::of {

// Error types (enum ofp_error_type).
enum ofp_error_type : uint16_t {
  OFPET_HELLO_FAILED = 0,
  OFPET_BAD_REQUEST = 1,
  OFPET_BAD_ACTION = 2,
  OFPET_BAD_INSTRUCTION = 3,
  OFPET_BAD_MATCH = 4,
  OFPET_FLOW_MOD_FAILED = 5,
  OFPET_GROUP_MOD_FAILED = 6,
  OFPET_PORT_MOD_FAILED = 7,
  OFPET_TABLE_MOD_FAILED = 8,
  OFPET_QUEUE_OP_FAILED = 9,
  OFPET_SWITCH_CONFIG_FAILED = 10,
  OFPET_ROLE_REQUEST_FAILED = 11,
  OFPET_METER_MOD_FAILED = 12,
  OFPET_TABLE_FEATURES_FAILED = 13,
  OFPET_BAD_PROPERTY = 14,
  OFPET_ASYNC_CONFIG_FAILED = 15,
  OFPET_FLOW_MONITOR_FAILED = 16,
  OFPET_BUNDLE_FAILED = 17,
  OFPET_EXPERIMENTER = 0xffff,
};

// Wire layout of struct ofp_error_msg without its data.
struct ofp_error_msg {
  ofp_header header;
  uint16_t type;
  uint16_t code;
};
static_assert(sizeof(ofp_error_msg) == 12, "ofp_error_msg is 12 bytes");

// Decoded error body; `data` usually holds the start of the failing request.
struct ErrorMsg {
  uint16_t type = 0;
  uint16_t code = 0;
  uint32_t experimenter = 0;
  std::vector<uint8_t> data;
};

// Decodes the body of an OFPT_ERROR.
ErrorMsg DecodeError(Reader body);
// Spec name of an error type/code pair, e.g. "OFPBMC_BAD_PREREQ"; "type/code" numbers when unknown.
std::string ErrorName(uint16_t type, uint16_t code);

}  // namespace netplugin::of
