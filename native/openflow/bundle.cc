#include "openflow/bundle.h"

namespace netplugin::of {

void EncodeBundleCtrl(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const BundleCtrl& c) {
  Writer w(out);
  size_t start = BeginMessage(w, version, OFPT_BUNDLE_CONTROL, xid);
  w.u32(c.bundleId);
  w.u16(c.type);
  w.u16(c.flags);
  EndMessage(w, start);
}

BundleCtrl DecodeBundleCtrl(Reader body) {
  BundleCtrl c;
  c.bundleId = body.u32();
  c.type = body.u16();
  c.flags = body.u16();
  return c;
}

size_t BeginBundleAdd(Writer& w, uint8_t version, uint32_t xid, uint32_t bundleId, uint16_t flags) {
  size_t start = BeginMessage(w, version, OFPT_BUNDLE_ADD_MESSAGE, xid);
  w.u32(bundleId);
  w.zeros(2);
  w.u16(flags);
  return start;
}

}  // namespace netplugin::of
