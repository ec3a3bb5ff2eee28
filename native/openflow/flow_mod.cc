#include "openflow/flow_mod.h"

namespace netplugin::of {

void EncodeFlowMod(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const FlowMod& m) {
  Writer w(out);
  size_t start = BeginMessage(w, version, OFPT_FLOW_MOD, xid);
  w.u64(m.cookie);
  w.u64(m.cookieMask);
  w.u8(m.tableId);
  w.u8(m.command);
  w.u16(m.idleTimeout);
  w.u16(m.hardTimeout);
  w.u16(m.priority);
  w.u32(m.bufferId);
  w.u32(m.outPort);
  w.u32(m.outGroup);
  w.u16(m.flags);
  w.zeros(2);  // OF1.4 calls these bytes `importance`; zero keeps the 1.3 meaning
  EncodeMatch(w, m.match);
  EncodeInstructions(w, m.instructions);
  EndMessage(w, start);
}

FlowMod DecodeFlowMod(Reader body) {
  FlowMod m;
  m.cookie = body.u64();
  m.cookieMask = body.u64();
  m.tableId = body.u8();
  m.command = body.u8();
  m.idleTimeout = body.u16();
  m.hardTimeout = body.u16();
  m.priority = body.u16();
  m.bufferId = body.u32();
  m.outPort = body.u32();
  m.outGroup = body.u32();
  m.flags = body.u16();
  body.skip(2);
  m.match = DecodeMatch(body);
  m.instructions = DecodeInstructions(body);
  return m;
}

}  // namespace netplugin::of
