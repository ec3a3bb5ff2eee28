// OFPMP_GROUP_DESC request and reply (OpenFlow 1.3 §7.3.5.10).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/group_mod.h"
#include "openflow/multipart.h"

namespace netplugin::of {

// Wire layout of struct ofp_group_desc without its buckets.
struct ofp_group_desc {
  uint16_t length;
  uint8_t type;
  uint8_t pad;
  uint32_t group_id;
};
static_assert(sizeof(ofp_group_desc) == 8, "ofp_group_desc is 8 bytes");

// One group of a group-desc reply.
struct GroupDesc {
  uint8_t type = 0;
  uint32_t groupId = 0;
  std::vector<Bucket> buckets;
};

// Appends a complete OFPMP_GROUP_DESC request (it has no body).
void EncodeGroupDescRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid);
// Decodes every ofp_group_desc in a reply body.
std::vector<GroupDesc> DecodeGroupDescReply(Reader body);

}  // namespace netplugin::of
