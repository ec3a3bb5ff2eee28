// ofp_header, message types and the HELLO version-bitmap negotiation (OpenFlow 1.3 §7.1, §7.5.1).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/wire.h"

namespace netplugin::of {

constexpr uint8_t OFP13_VERSION = 0x04;
constexpr uint8_t OFP14_VERSION = 0x05;

// Message types (enum ofp_type); values 33 and 34 exist from OpenFlow 1.4 on.
enum ofp_type : uint8_t {
  OFPT_HELLO = 0,
  OFPT_ERROR = 1,
  OFPT_ECHO_REQUEST = 2,
  OFPT_ECHO_REPLY = 3,
  OFPT_EXPERIMENTER = 4,
  OFPT_FEATURES_REQUEST = 5,
  OFPT_FEATURES_REPLY = 6,
  OFPT_GET_CONFIG_REQUEST = 7,
  OFPT_GET_CONFIG_REPLY = 8,
  OFPT_SET_CONFIG = 9,
  OFPT_PACKET_IN = 10,
  OFPT_FLOW_REMOVED = 11,
  OFPT_PORT_STATUS = 12,
  OFPT_PACKET_OUT = 13,
  OFPT_FLOW_MOD = 14,
  OFPT_GROUP_MOD = 15,
  OFPT_PORT_MOD = 16,
  OFPT_TABLE_MOD = 17,
  OFPT_MULTIPART_REQUEST = 18,
  OFPT_MULTIPART_REPLY = 19,
  OFPT_BARRIER_REQUEST = 20,
  OFPT_BARRIER_REPLY = 21,
  OFPT_ROLE_REQUEST = 24,
  OFPT_ROLE_REPLY = 25,
  OFPT_METER_MOD = 29,
  OFPT_BUNDLE_CONTROL = 33,
  OFPT_BUNDLE_ADD_MESSAGE = 34,
};

// Wire layout of struct ofp_header, kept for the size check and documentation.
struct ofp_header {
  uint8_t version;
  uint8_t type;
  uint16_t length;
  uint32_t xid;
};
static_assert(sizeof(ofp_header) == 8, "ofp_header is 8 bytes");

constexpr uint16_t OFPHET_VERSIONBITMAP = 1;

// Decoded ofp_header.
struct Header {
  uint8_t version = 0;
  uint8_t type = 0;
  uint16_t length = 0;
  uint32_t xid = 0;
};

// Starts a message; returns its offset so EndMessage can fill in the length.
size_t BeginMessage(Writer& w, uint8_t version, uint8_t type, uint32_t xid);
// Writes the final length of a message started at `start`.
void EndMessage(Writer& w, size_t start);
// Reads the 8-byte header and checks the declared length against the buffer.
Header ReadHeader(Reader& r, size_t bufferLength);

// Encodes OFPT_HELLO carrying a version bitmap of every version in `versions`.
void EncodeHello(std::vector<uint8_t>& out, uint8_t headerVersion, const std::vector<uint8_t>& versions, uint32_t xid);
// Versions a peer offers in its HELLO body (bitmap if present, else the header version alone).
std::vector<uint8_t> DecodeHelloVersions(const Header& h, Reader body);

}  // namespace netplugin::of
