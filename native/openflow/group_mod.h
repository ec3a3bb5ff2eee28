// OFPT_GROUP_MOD and group buckets (OpenFlow 1.3 §7.3.4.2).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/actions.h"
#include "openflow/ofp_header.h"

namespace netplugin::of {

// Group-mod commands (enum ofp_group_mod_command).
enum ofp_group_mod_command : uint16_t {
  OFPGC_ADD = 0,
  OFPGC_MODIFY = 1,
  OFPGC_DELETE = 2,
};

// Group types (enum ofp_group_type).
enum ofp_group_type : uint8_t {
  OFPGT_ALL = 0,
  OFPGT_SELECT = 1,
  OFPGT_INDIRECT = 2,
  OFPGT_FF = 3,
};

constexpr uint32_t OFPG_ALL = 0xfffffffc;

// Wire layouts.
struct ofp_group_mod {
  ofp_header header;
  uint16_t command;
  uint8_t type;
  uint8_t pad;
  uint32_t group_id;
};
static_assert(sizeof(ofp_group_mod) == 16, "ofp_group_mod is 16 bytes");
struct ofp_bucket {
  uint16_t len;
  uint16_t weight;
  uint32_t watch_port;
  uint32_t watch_group;
  uint8_t pad[4];
};
static_assert(sizeof(ofp_bucket) == 16, "ofp_bucket is 16 bytes");

// One bucket of a group.
struct Bucket {
  uint16_t weight = 0;
  uint32_t watchPort = 0xffffffff;
  uint32_t watchGroup = 0xffffffff;
  std::vector<Action> actions;
};

// Decoded or to-be-encoded group-mod body.
struct GroupMod {
  uint16_t command = OFPGC_ADD;
  uint8_t type = OFPGT_ALL;
  uint32_t groupId = 0;
  std::vector<Bucket> buckets;
};

// Writes a bucket list.
void EncodeBuckets(Writer& w, const std::vector<Bucket>& buckets);
// Reads buckets until the reader is exhausted.
std::vector<Bucket> DecodeBuckets(Reader r);
// Appends one complete OFPT_GROUP_MOD message.
void EncodeGroupMod(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const GroupMod& g);
// Decodes the body of an OFPT_GROUP_MOD.
GroupMod DecodeGroupMod(Reader body);

}  // namespace netplugin::of
