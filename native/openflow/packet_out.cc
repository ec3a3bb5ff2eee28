#include "openflow/packet_out.h"

namespace netplugin::of {

void EncodePacketOut(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const PacketOut& p) {
  Writer w(out);
  size_t start = BeginMessage(w, version, OFPT_PACKET_OUT, xid);
  w.u32(p.bufferId);
  w.u32(p.inPort);
  size_t lenAt = w.size();
  w.u16(0);  // actions_len, patched once the actions are written
  w.zeros(6);
  size_t actionsStart = w.size();
  EncodeActions(w, p.actions);
  w.patchLen(lenAt, actionsStart);
  if (!p.data.empty()) w.bytes(p.data.data(), p.data.size());
  EndMessage(w, start);
}

PacketOut DecodePacketOut(Reader body) {
  PacketOut p;
  p.bufferId = body.u32();
  p.inPort = body.u32();
  uint16_t actionsLen = body.u16();
  body.skip(6);
  p.actions = DecodeActions(body.sub(actionsLen));
  p.data.assign(body.here(), body.here() + body.remaining());
  return p;
}

}  // namespace netplugin::of
