// libFuzzer harness: the relay's incremental HTTP response parser (status line, headers,
// Content-Length, chunk sizes, chunk data, trailers) with small caps so the cap paths are
// reached. The first input byte picks how the bytes are cut; the outcome must not depend on
// the cut, and the body never exceeds its cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cni/http_response.h"

namespace {

constexpr size_t kHeadCap = 512;
constexpr size_t kBodyCap = 4096;

struct Outcome {
  npcni::ResponseParser::Status status;
  int code;
  std::string body;
};

Outcome Parse(const char* p, size_t n, size_t piece) {
  npcni::ResponseParser parser(kHeadCap, kBodyCap);
  npcni::ResponseParser::Status st = npcni::ResponseParser::kNeedMore;
  for (size_t at = 0; at < n && st == npcni::ResponseParser::kNeedMore; at += piece) {
    st = parser.Feed(p + at, n - at < piece ? n - at : piece);
    if (parser.body().size() > kBodyCap) abort();
  }
  if (st == npcni::ResponseParser::kNeedMore) st = parser.Finish();
  if (st == npcni::ResponseParser::kNeedMore) abort();
  return {st, parser.status(), st == npcni::ResponseParser::kComplete ? parser.body() : std::string()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t piece = size_t(data[0] % 64) + 1;
  const char* p = reinterpret_cast<const char*>(data + 1);
  Outcome cut = Parse(p, size - 1, piece);
  Outcome whole = Parse(p, size - 1, size);
  if (cut.status != whole.status || cut.code != whole.code || cut.body != whole.body) abort();
  return 0;
}
