// libFuzzer harness: the shim's JSON reader (FindMember, DecodeString, DecodeInt) on any text,
// and the writer's round trip: AppendJsonString then DecodeString gives back the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cni/json_lite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::string_view key : {"cniVersion", "agentSocket", "exitCode", "stdout", ""}) {
    std::string_view raw;
    if (!npcni::FindMember(text, key, &raw)) continue;
    if (raw.data() < text.data() || raw.data() + raw.size() > text.data() + text.size()) abort();
    std::string s;
    int i;
    npcni::DecodeString(raw, &s);
    npcni::DecodeInt(raw, &i);
  }
  std::string quoted;
  npcni::AppendJsonString(quoted, text);
  std::string back;
  if (!npcni::DecodeString(quoted, &back) || back != text) abort();
  std::string loose;
  npcni::DecodeString(text, &loose);
  return 0;
}
