#include "openflow/meter_stats.h"

namespace netplugin::of {

void EncodeMeterMultipartRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t mpType, uint32_t meterId) {
  Writer w(out);
  size_t start = BeginMultipart(w, version, OFPT_MULTIPART_REQUEST, xid, mpType, 0);
  w.u32(meterId);
  w.zeros(4);
  EndMessage(w, start);
}

uint32_t DecodeMeterMultipartRequest(Reader body) {
  uint32_t meterId = body.u32();
  body.skip(4);
  if (body.remaining() > 0) throw DecodeError("meter multipart request longer than 8 bytes");
  return meterId;
}

void EncodeMeterStatsReply(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t flags, const std::vector<MeterStats>& meters) {
  Writer w(out);
  size_t start = BeginMultipart(w, version, OFPT_MULTIPART_REPLY, xid, OFPMP_METER, flags);
  for (const auto& m : meters) {
    size_t at = w.size();
    w.u32(m.meterId);
    w.u16(0);  // len, patched below
    w.zeros(6);
    w.u32(m.flowCount);
    w.u64(m.packetInCount);
    w.u64(m.byteInCount);
    w.u32(m.durationSec);
    w.u32(m.durationNsec);
    for (const auto& b : m.bands) {
      w.u64(b.packets);
      w.u64(b.bytes);
    }
    w.patchLen(at + 4, at);
  }
  EndMessage(w, start);
}

std::vector<MeterStats> DecodeMeterStatsReply(Reader body) {
  std::vector<MeterStats> out;
  while (body.remaining() > 0) {
    MeterStats m;
    m.meterId = body.u32();
    uint16_t len = body.u16();
    if (len < sizeof(ofp_meter_stats) || (len - sizeof(ofp_meter_stats)) % sizeof(ofp_meter_band_stats))
      throw DecodeError("ofp_meter_stats length is not 40 plus a multiple of 16");
    Reader r = body.sub(len - 6);
    r.skip(6);
    m.flowCount = r.u32();
    m.packetInCount = r.u64();
    m.byteInCount = r.u64();
    m.durationSec = r.u32();
    m.durationNsec = r.u32();
    while (r.remaining() > 0) {
      MeterBandStats b;
      b.packets = r.u64();
      b.bytes = r.u64();
      m.bands.push_back(b);
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace netplugin::of
