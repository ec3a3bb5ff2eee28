#include "openflow/framing.h"

namespace netplugin::of {

FrameSplit SplitFrames(const uint8_t* data, size_t n, const std::function<void(const uint8_t*, size_t)>& onFrame) {
  FrameSplit r;
  while (n - r.consumed >= 8) {
    const uint8_t* frame = data + r.consumed;
    size_t len = size_t(frame[2]) << 8 | frame[3];
    if (len < 8) {
      r.bad = true;
      break;
    }
    if (n - r.consumed < len) break;
    onFrame(frame, len);
    r.consumed += len;
  }
  return r;
}

}  // namespace netplugin::of
