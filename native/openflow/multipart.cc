#include "openflow/multipart.h"

namespace netplugin::of {

size_t BeginMultipart(Writer& w, uint8_t version, uint8_t ofpType, uint32_t xid, uint16_t mpType, uint16_t flags) {
  size_t start = BeginMessage(w, version, ofpType, xid);
  w.u16(mpType);
  w.u16(flags);
  w.zeros(4);
  return start;
}

}  // namespace netplugin::of
