// OpenFlow 1.4 bundles (§7.3.9): OFPT_BUNDLE_CONTROL and OFPT_BUNDLE_ADD_MESSAGE, for atomic batches.
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/ofp_header.h"

namespace netplugin::of {

// Bundle control types (enum ofp_bundle_ctrl_type).
enum ofp_bundle_ctrl_type : uint16_t {
  OFPBCT_OPEN_REQUEST = 0,
  OFPBCT_OPEN_REPLY = 1,
  OFPBCT_CLOSE_REQUEST = 2,
  OFPBCT_CLOSE_REPLY = 3,
  OFPBCT_COMMIT_REQUEST = 4,
  OFPBCT_COMMIT_REPLY = 5,
  OFPBCT_DISCARD_REQUEST = 6,
  OFPBCT_DISCARD_REPLY = 7,
};

// Bundle flags (enum ofp_bundle_flags).
enum ofp_bundle_flags : uint16_t {
  OFPBF_ATOMIC = 1 << 0,
  OFPBF_ORDERED = 1 << 1,
};

// Wire layouts.
struct ofp_bundle_ctrl_msg {
  ofp_header header;
  uint32_t bundle_id;
  uint16_t type;
  uint16_t flags;
};
static_assert(sizeof(ofp_bundle_ctrl_msg) == 16, "ofp_bundle_ctrl_msg is 16 bytes");
struct ofp_bundle_add_msg {
  ofp_header header;
  uint32_t bundle_id;
  uint8_t pad[2];
  uint16_t flags;
  ofp_header message;
};
static_assert(sizeof(ofp_bundle_add_msg) == 24, "ofp_bundle_add_msg is 24 bytes");

// Decoded bundle control message.
struct BundleCtrl {
  uint32_t bundleId = 0;
  uint16_t type = 0;
  uint16_t flags = 0;
};

// Appends a bundle control message (no properties).
void EncodeBundleCtrl(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const BundleCtrl& c);
// Decodes a bundle control body.
BundleCtrl DecodeBundleCtrl(Reader body);
// Starts a bundle-add message; the caller appends the inner message and calls EndMessage.
size_t BeginBundleAdd(Writer& w, uint8_t version, uint32_t xid, uint32_t bundleId, uint16_t flags);

}  // namespace netplugin::of
