#include "openflow/packet_in.h"

namespace netplugin::of {

PacketIn DecodePacketIn(Reader body) {
  PacketIn p;
  p.bufferId = body.u32();
  p.totalLen = body.u16();
  p.reason = body.u8();
  p.tableId = body.u8();
  p.cookie = body.u64();
  p.match = DecodeMatch(body);
  body.skip(2);
  p.data = body.here();
  p.dataLen = body.remaining();
  return p;
}

void EncodeSetConfig(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, uint16_t flags, uint16_t missSendLen) {
  Writer w(out);
  size_t start = BeginMessage(w, version, OFPT_SET_CONFIG, xid);
  w.u16(flags);
  w.u16(missSendLen);
  EndMessage(w, start);
}

}  // namespace netplugin::of
