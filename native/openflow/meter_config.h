// OFPMP_METER_CONFIG reply body (OpenFlow 1.3 §7.3.5.13); its request is the meter request of meter_stats.h.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/meter_mod.h"
#include "openflow/meter_stats.h"

namespace netplugin::of {

// Wire layout of struct ofp_meter_config without its bands.
struct ofp_meter_config {
  uint16_t length;
  uint16_t flags;
  uint32_t meter_id;
};
static_assert(sizeof(ofp_meter_config) == 8, "ofp_meter_config is 8 bytes");

// One meter of an OFPMP_METER_CONFIG reply: its OFPMF_* flags and bands.
struct MeterConfig {
  uint16_t flags = 0;
  uint32_t meterId = 0;
  std::vector<MeterBand> bands;
};

// Appends one complete OFPMP_METER_CONFIG reply message carrying `meters`; `flags` may hold OFPMPF_REPLY_MORE.
void EncodeMeterConfigReply(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t flags, const std::vector<MeterConfig>& meters);
// Decodes every ofp_meter_config in a reply body (after the multipart header).
std::vector<MeterConfig> DecodeMeterConfigReply(Reader body);

}  // namespace netplugin::of
