// Splitting a byte stream from the switch into whole OpenFlow messages (pure, so the reader
// thread's framing can be fuzzed without a socket).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace netplugin::of {

// What one pass over the buffered bytes found.
struct FrameSplit {
  size_t consumed = 0;  // bytes of whole frames at the front (handed to the callback)
  bool bad = false;     // a header declared a length under 8: the stream cannot be resynchronised
};

// Calls `onFrame(frame, length)` for each whole message at the front of `data` (length taken
// from its ofp_header), stopping at a partial message or a bad header.
FrameSplit SplitFrames(const uint8_t* data, size_t n, const std::function<void(const uint8_t*, size_t)>& onFrame);

}  // namespace netplugin::of
