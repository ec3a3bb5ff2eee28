// OFPT_METER_MOD and its bands (OpenFlow 1.3 §7.3.4.4).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/ofp_header.h"

namespace netplugin::of {

// Meter-mod commands (enum ofp_meter_mod_command).
enum ofp_meter_mod_command : uint16_t {
  OFPMC_ADD = 0,
  OFPMC_MODIFY = 1,
  OFPMC_DELETE = 2,
};

// Meter configuration flags (enum ofp_meter_flags).
enum ofp_meter_flags : uint16_t {
  OFPMF_KBPS = 1 << 0,
  OFPMF_PKTPS = 1 << 1,
  OFPMF_BURST = 1 << 2,
  OFPMF_STATS = 1 << 3,
};

// Meter band types (enum ofp_meter_band_type); vswitchd's userspace datapath offers OFPMBT_DROP only.
enum ofp_meter_band_type : uint16_t {
  OFPMBT_DROP = 1,
  OFPMBT_DSCP_REMARK = 2,
  OFPMBT_EXPERIMENTER = 0xffff,
};

// Wire layouts.
struct ofp_meter_mod {
  ofp_header header;
  uint16_t command;
  uint16_t flags;
  uint32_t meter_id;
};
static_assert(sizeof(ofp_meter_mod) == 16, "ofp_meter_mod is 16 bytes");
struct ofp_meter_band_drop {
  uint16_t type;
  uint16_t len;
  uint32_t rate;
  uint32_t burst_size;
  uint8_t pad[4];
};
static_assert(sizeof(ofp_meter_band_drop) == 16, "ofp_meter_band_drop is 16 bytes");

// One band; a type other than OFPMBT_DROP keeps its raw bytes.
struct MeterBand {
  uint16_t type = OFPMBT_DROP;
  uint32_t rate = 0;
  uint32_t burstSize = 0;
  std::vector<uint8_t> raw;
};

// Decoded or to-be-encoded meter-mod body.
struct MeterMod {
  uint16_t command = OFPMC_ADD;
  uint16_t flags = 0;
  uint32_t meterId = 0;
  std::vector<MeterBand> bands;
};

// Appends bands as ofp_meter_band_* (shared by meter-mod and meter-config).
void EncodeMeterBands(Writer& w, const std::vector<MeterBand>& bands);
// Decodes every band up to the end of `r`.
std::vector<MeterBand> DecodeMeterBands(Reader& r);

// Appends one complete OFPT_METER_MOD message.
void EncodeMeterMod(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const MeterMod& m);
// Decodes the body of an OFPT_METER_MOD.
MeterMod DecodeMeterMod(Reader body);

}  // namespace netplugin::of
