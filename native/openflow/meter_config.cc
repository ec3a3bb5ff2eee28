#include "openflow/meter_config.h"

namespace netplugin::of {

void EncodeMeterConfigReply(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t flags, const std::vector<MeterConfig>& meters) {
  Writer w(out);
  size_t start = BeginMultipart(w, version, OFPT_MULTIPART_REPLY, xid, OFPMP_METER_CONFIG, flags);
  for (const auto& m : meters) {
    size_t at = w.size();
    w.u16(0);  // length, patched below
    w.u16(m.flags);
    w.u32(m.meterId);
    EncodeMeterBands(w, m.bands);
    w.patchLen(at, at);
  }
  EndMessage(w, start);
}

std::vector<MeterConfig> DecodeMeterConfigReply(Reader body) {
  std::vector<MeterConfig> out;
  while (body.remaining() > 0) {
    uint16_t len = body.u16();
    if (len < sizeof(ofp_meter_config)) throw DecodeError("ofp_meter_config shorter than 8 bytes");
    Reader r = body.sub(len - 2);
    MeterConfig m;
    m.flags = r.u16();
    m.meterId = r.u32();
    m.bands = DecodeMeterBands(r);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace netplugin::of
