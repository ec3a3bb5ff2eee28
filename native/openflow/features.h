// OFPT_FEATURES_REQUEST / REPLY (OpenFlow 1.3 §7.3.1).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/ofp_header.h"

namespace netplugin::of {

// Wire layout of struct ofp_switch_features.
struct ofp_switch_features {
  ofp_header header;
  uint64_t datapath_id;
  uint32_t n_buffers;
  uint8_t n_tables;
  uint8_t auxiliary_id;
  uint8_t pad[2];
  uint32_t capabilities;
  uint32_t reserved;
};
static_assert(sizeof(ofp_switch_features) == 32, "ofp_switch_features is 32 bytes");

// Decoded features reply.
struct Features {
  uint64_t datapathId = 0;
  uint32_t nBuffers = 0;
  uint8_t nTables = 0;
  uint8_t auxiliaryId = 0;
  uint32_t capabilities = 0;
};

// Appends a features request (header only).
void EncodeFeaturesRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid);
// Decodes the body of a features reply.
Features DecodeFeaturesReply(Reader body);

}  // namespace netplugin::of
