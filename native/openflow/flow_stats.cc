#include "openflow/flow_stats.h"

namespace netplugin::of {

void EncodeFlowStatsRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const FlowStatsRequest& q) {
  Writer w(out);
  size_t start = BeginMultipart(w, version, OFPT_MULTIPART_REQUEST, xid, OFPMP_FLOW, 0);
  w.u8(q.tableId);
  w.zeros(3);
  w.u32(q.outPort);
  w.u32(q.outGroup);
  w.zeros(4);
  w.u64(q.cookie);
  w.u64(q.cookieMask);
  EncodeMatch(w, q.match);
  EndMessage(w, start);
}

FlowStatsRequest DecodeFlowStatsRequest(Reader body) {
  FlowStatsRequest q;
  q.tableId = body.u8();
  body.skip(3);
  q.outPort = body.u32();
  q.outGroup = body.u32();
  body.skip(4);
  q.cookie = body.u64();
  q.cookieMask = body.u64();
  q.match = DecodeMatch(body);
  return q;
}

std::vector<FlowStats> DecodeFlowStatsReply(Reader body) {
  std::vector<FlowStats> out;
  while (body.remaining() > 0) {
    uint16_t len = body.u16();
    if (len < 56) throw DecodeError("ofp_flow_stats shorter than 56 bytes");
    Reader r = body.sub(len - 2);
    FlowStats f;
    f.tableId = r.u8();
    r.skip(1);
    f.durationSec = r.u32();
    f.durationNsec = r.u32();
    f.priority = r.u16();
    f.idleTimeout = r.u16();
    f.hardTimeout = r.u16();
    f.flags = r.u16();
    r.skip(4);  // pad in 1.3; importance + pad in 1.4
    f.cookie = r.u64();
    f.packetCount = r.u64();
    f.byteCount = r.u64();
    f.match = DecodeMatch(r);
    f.instructions = DecodeInstructions(r);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace netplugin::of
