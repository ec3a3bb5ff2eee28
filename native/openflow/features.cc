#include "openflow/features.h"

namespace netplugin::of {

void EncodeFeaturesRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid) {
  Writer w(out);
  EndMessage(w, BeginMessage(w, version, OFPT_FEATURES_REQUEST, xid));
}

Features DecodeFeaturesReply(Reader body) {
  Features f;
  f.datapathId = body.u64();
  f.nBuffers = body.u32();
  f.nTables = body.u8();
  f.auxiliaryId = body.u8();
  body.skip(2);
  f.capabilities = body.u32();
  return f;
}

}  // namespace netplugin::of
