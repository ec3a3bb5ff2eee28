// Multipart framing (OpenFlow 1.3 §7.3.5): the request/reply header shared by flow-stats, group-desc and meters.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/ofp_header.h"

namespace netplugin::of {

// Multipart types (enum ofp_multipart_type) used here.
enum ofp_multipart_type : uint16_t {
  OFPMP_DESC = 0,
  OFPMP_FLOW = 1,
  OFPMP_AGGREGATE = 2,
  OFPMP_TABLE = 3,
  OFPMP_PORT_STATS = 4,
  OFPMP_QUEUE = 5,
  OFPMP_GROUP = 6,
  OFPMP_GROUP_DESC = 7,
  OFPMP_GROUP_FEATURES = 8,
  OFPMP_METER = 9,
  OFPMP_METER_CONFIG = 10,
  OFPMP_METER_FEATURES = 11,
  OFPMP_EXPERIMENTER = 0xffff,
};

constexpr uint16_t OFPMPF_REQ_MORE = 1;
constexpr uint16_t OFPMPF_REPLY_MORE = 1;

// Wire layout of struct ofp_multipart_request / ofp_multipart_reply (identical).
struct ofp_multipart_request {
  ofp_header header;
  uint16_t type;
  uint16_t flags;
  uint8_t pad[4];
};
static_assert(sizeof(ofp_multipart_request) == 16, "ofp_multipart_request is 16 bytes");

// Starts a multipart request; the caller appends the body and calls EndMessage.
size_t BeginMultipart(Writer& w, uint8_t version, uint8_t ofpType, uint32_t xid, uint16_t mpType, uint16_t flags);

}  // namespace netplugin::of
