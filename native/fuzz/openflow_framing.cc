// libFuzzer harness: the reader thread's framing (SplitFrames) over a stream cut into pieces
// the way recv() might cut it. The first input byte picks the piece sizes. Every frame must
// be whole (its header length, at least 8 bytes, inside the buffer), echo requests get a
// well-formed reply, and cutting the stream differently must yield the same frames.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "openflow/echo.h"
#include "openflow/framing.h"
#include "openflow/ofp_header.h"

using namespace netplugin::of;

namespace {

using Frames = std::vector<std::vector<uint8_t>>;

// Runs the reader loop's buffering over `stream` delivered `piece` bytes at a time.
Frames Reassemble(const uint8_t* stream, size_t n, size_t piece, bool* bad) {
  Frames out;
  std::vector<uint8_t> pending;
  *bad = false;
  for (size_t at = 0; at < n && !*bad; at += piece) {
    size_t k = n - at < piece ? n - at : piece;
    pending.insert(pending.end(), stream + at, stream + at + k);
    FrameSplit split = SplitFrames(pending.data(), pending.size(), [&](const uint8_t* frame, size_t len) {
      if (len < 8 || len != (size_t(frame[2]) << 8 | frame[3])) abort();
      if (frame[1] == OFPT_ECHO_REQUEST) {
        std::vector<uint8_t> reply;
        EncodeEchoReplyFor(reply, frame, len);
        if (reply.size() != len || reply[1] != OFPT_ECHO_REPLY) abort();
      }
      out.emplace_back(frame, frame + len);
    });
    if (split.consumed > pending.size()) abort();
    pending.erase(pending.begin(), pending.begin() + split.consumed);
    *bad = split.bad;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = size_t(data[0]) + 1;
  bool badPieces = false, badWhole = false;
  Frames pieces = Reassemble(data + 1, size - 1, piece, &badPieces);
  Frames whole = Reassemble(data + 1, size - 1, size, &badWhole);
  if (badPieces != badWhole || pieces != whole) abort();
  return 0;
}
