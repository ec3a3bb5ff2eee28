#include "openflow/meter_mod.h"

namespace netplugin::of {

void EncodeMeterBands(Writer& w, const std::vector<MeterBand>& bands) {
  for (const auto& b : bands) {
    if (!b.raw.empty()) {
      w.bytes(b.raw.data(), b.raw.size());
      continue;
    }
    w.u16(b.type);
    w.u16(sizeof(ofp_meter_band_drop));
    w.u32(b.rate);
    w.u32(b.burstSize);
    w.zeros(4);
  }
}

std::vector<MeterBand> DecodeMeterBands(Reader& r) {
  std::vector<MeterBand> bands;
  while (r.remaining() > 0) {
    const uint8_t* begin = r.here();
    MeterBand b;
    b.type = r.u16();
    uint16_t len = r.u16();
    if (len < 16 || len % 8) throw DecodeError("meter band length is not a multiple of 8 of at least 16");
    Reader band = r.sub(len - 4);
    if (b.type == OFPMBT_DROP && len == sizeof(ofp_meter_band_drop)) {
      b.rate = band.u32();
      b.burstSize = band.u32();
    } else {
      b.raw.assign(begin, begin + len);
    }
    bands.push_back(std::move(b));
  }
  return bands;
}

void EncodeMeterMod(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const MeterMod& m) {
  Writer w(out);
  size_t start = BeginMessage(w, version, OFPT_METER_MOD, xid);
  w.u16(m.command);
  w.u16(m.flags);
  w.u32(m.meterId);
  EncodeMeterBands(w, m.bands);
  EndMessage(w, start);
}

MeterMod DecodeMeterMod(Reader body) {
  MeterMod m;
  m.command = body.u16();
  m.flags = body.u16();
  m.meterId = body.u32();
  m.bands = DecodeMeterBands(body);
  return m;
}

}  // namespace netplugin::of
