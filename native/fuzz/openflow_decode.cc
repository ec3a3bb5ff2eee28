// libFuzzer harness: one OpenFlow message from the switch through every pure decoder the
// addon's decodeMessage dispatches to (js_message.cc), without the JS conversion on top.
#include <cstddef>
#include <cstdint>

#include "openflow/bundle.h"
#include "openflow/error.h"
#include "openflow/features.h"
#include "openflow/flow_mod.h"
#include "openflow/flow_stats.h"
#include "openflow/group_desc.h"
#include "openflow/group_mod.h"
#include "openflow/meter_config.h"
#include "openflow/meter_mod.h"
#include "openflow/meter_stats.h"
#include "openflow/multipart.h"
#include "openflow/ofp_header.h"
#include "openflow/packet_in.h"
#include "openflow/packet_out.h"

using namespace netplugin::of;

namespace {

// Mirrors DecodeBody in js_message.cc; `depth` bounds bundle-in-bundle nesting like the input does.
void DecodeOneMessage(const uint8_t* data, size_t n, int depth) {
  Reader r(data, n);
  Header h = ReadHeader(r, n);
  Reader body(data + 8, h.length - 8);
  switch (h.type) {
    case OFPT_HELLO:
      DecodeHelloVersions(h, body);
      break;
    case OFPT_ERROR:
      DecodeError(body);
      break;
    case OFPT_FEATURES_REPLY:
      DecodeFeaturesReply(body);
      break;
    case OFPT_FLOW_MOD:
      DecodeFlowMod(body);
      break;
    case OFPT_GROUP_MOD:
      DecodeGroupMod(body);
      break;
    case OFPT_METER_MOD:
      DecodeMeterMod(body);
      break;
    case OFPT_PACKET_IN:
      DecodePacketIn(body);
      break;
    case OFPT_PACKET_OUT:
      DecodePacketOut(body);
      break;
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY: {
      uint16_t mpType = body.u16();
      body.skip(6);
      bool reply = h.type == OFPT_MULTIPART_REPLY;
      if (mpType == OFPMP_FLOW && !reply) DecodeFlowStatsRequest(body);
      else if (mpType == OFPMP_FLOW) DecodeFlowStatsReply(body);
      else if (mpType == OFPMP_GROUP_DESC && reply) DecodeGroupDescReply(body);
      else if ((mpType == OFPMP_METER || mpType == OFPMP_METER_CONFIG) && !reply) DecodeMeterMultipartRequest(body);
      else if (mpType == OFPMP_METER) DecodeMeterStatsReply(body);
      else if (mpType == OFPMP_METER_CONFIG) DecodeMeterConfigReply(body);
      break;
    }
    case OFPT_BUNDLE_CONTROL:
      DecodeBundleCtrl(body);
      break;
    case OFPT_BUNDLE_ADD_MESSAGE: {
      body.skip(8);
      if (depth < 8) DecodeOneMessage(body.here(), body.remaining(), depth + 1);
      break;
    }
    default:
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    DecodeOneMessage(data, size, 0);
  } catch (const struct DecodeError&) {
    // A clean refusal is the expected outcome for most inputs.
  }
  return 0;
}
