#include "openflow/ofp_header.h"

namespace netplugin::of {

size_t BeginMessage(Writer& w, uint8_t version, uint8_t type, uint32_t xid) {
  size_t start = w.size();
  w.u8(version);
  w.u8(type);
  w.u16(0);
  w.u32(xid);
  return start;
}

void EndMessage(Writer& w, size_t start) { w.patchLen(start + 2, start); }

Header ReadHeader(Reader& r, size_t bufferLength) {
  Header h;
  h.version = r.u8();
  h.type = r.u8();
  h.length = r.u16();
  h.xid = r.u32();
  if (h.length < 8 || h.length > bufferLength) throw DecodeError("ofp_header length does not match the buffer");
  return h;
}

void EncodeHello(std::vector<uint8_t>& out, uint8_t headerVersion, const std::vector<uint8_t>& versions, uint32_t xid) {
  Writer w(out);
  size_t start = BeginMessage(w, headerVersion, OFPT_HELLO, xid);
  uint32_t bitmap = 0;
  for (uint8_t v : versions) bitmap |= 1u << v;
  w.u16(OFPHET_VERSIONBITMAP);
  w.u16(8);
  w.u32(bitmap);
  EndMessage(w, start);
}

std::vector<uint8_t> DecodeHelloVersions(const Header& h, Reader body) {
  while (body.remaining() >= 4) {
    uint16_t type = body.u16();
    uint16_t len = body.u16();
    if (len < 4) throw DecodeError("hello element shorter than its header");
    Reader elem = body.sub(len - 4);
    body.skip(std::min<size_t>(body.remaining(), (8 - len % 8) % 8));
    if (type != OFPHET_VERSIONBITMAP) continue;
    std::vector<uint8_t> versions;
    for (uint32_t word = 0; elem.remaining() >= 4; ++word) {
      uint32_t bits = elem.u32();
      for (int b = 0; b < 32; ++b)
        if (bits & (1u << b)) versions.push_back(uint8_t(word * 32 + b));
    }
    return versions;
  }
  // Without a bitmap the peer supports every version up to its header version (§7.5.1).
  return {h.version};
}

}  // namespace netplugin::of
