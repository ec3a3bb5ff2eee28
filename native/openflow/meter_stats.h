// OFPMP_METER request and reply bodies (OpenFlow 1.3 §7.3.5.12), and the meter request both meter multiparts share.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/multipart.h"

namespace netplugin::of {

// Meter numbering (enum ofp_meter): OFPM_ALL in a request or delete means every meter.
enum ofp_meter : uint32_t {
  OFPM_MAX = 0xffff0000,
  OFPM_SLOWPATH = 0xfffffffd,
  OFPM_CONTROLLER = 0xfffffffe,
  OFPM_ALL = 0xffffffff,
};

// Wire layouts.
struct ofp_meter_multipart_request {
  uint32_t meter_id;
  uint8_t pad[4];
};
static_assert(sizeof(ofp_meter_multipart_request) == 8, "ofp_meter_multipart_request is 8 bytes");
struct ofp_meter_band_stats {
  uint64_t packet_band_count;
  uint64_t byte_band_count;
};
static_assert(sizeof(ofp_meter_band_stats) == 16, "ofp_meter_band_stats is 16 bytes");
// Without its trailing band_stats[].
struct ofp_meter_stats {
  uint32_t meter_id;
  uint16_t len;
  uint8_t pad[6];
  uint32_t flow_count;
  uint64_t packet_in_count;
  uint64_t byte_in_count;
  uint32_t duration_sec;
  uint32_t duration_nsec;
};
static_assert(sizeof(ofp_meter_stats) == 40, "ofp_meter_stats is 40 bytes");

// Counters of one band, in band order.
struct MeterBandStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;
};

// One meter of an OFPMP_METER reply.
struct MeterStats {
  uint32_t meterId = 0;
  uint32_t flowCount = 0;
  uint64_t packetInCount = 0, byteInCount = 0;
  uint32_t durationSec = 0, durationNsec = 0;
  std::vector<MeterBandStats> bands;
};

// Appends a complete OFPMP_METER or OFPMP_METER_CONFIG request (`mpType`) for `meterId` (OFPM_ALL: every meter).
void EncodeMeterMultipartRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t mpType, uint32_t meterId);
// Decodes the body of either meter request (after the multipart header): the meter id.
uint32_t DecodeMeterMultipartRequest(Reader body);
// Appends one complete OFPMP_METER reply message carrying `meters`; `flags` may hold OFPMPF_REPLY_MORE.
void EncodeMeterStatsReply(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t flags, const std::vector<MeterStats>& meters);
// Decodes every ofp_meter_stats in a reply body (after the multipart header).
std::vector<MeterStats> DecodeMeterStatsReply(Reader body);

}  // namespace netplugin::of
