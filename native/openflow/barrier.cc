#include "openflow/barrier.h"

#include "openflow/ofp_header.h"

namespace netplugin::of {

void EncodeBarrierRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid) {
  Writer w(out);
  EndMessage(w, BeginMessage(w, version, OFPT_BARRIER_REQUEST, xid));
}

}  // namespace netplugin::of
