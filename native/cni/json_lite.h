// Just enough JSON for the CNI shim: quoting strings into a request, finding one
// top-level member of an object, and decoding string/integer values. The shim never
// builds a document tree: it only relays, so a full parser would cost start-up time.
#pragma once

#include <string>
#include <string_view>

namespace npcni {

// Appends `s` to `out` as a quoted JSON string (", \, and control bytes escaped;
// other bytes, UTF-8 included, copied as they are).
void AppendJsonString(std::string& out, std::string_view s);

// Finds the top-level member `key` of the JSON object `text` and sets `raw` to the
// value's exact span. Like JSON.parse, the last of duplicate keys wins. Returns false
// when the key is absent or `text` is not a well-formed object (so a caller never acts
// on half of a broken document).
bool FindMember(std::string_view text, std::string_view key, std::string_view* raw);

// Decodes a raw JSON string literal (with its quotes) into UTF-8. False if `raw` is
// not a string literal.
bool DecodeString(std::string_view raw, std::string* out);

// Decodes a raw JSON integer. False if `raw` is not an integer in int range.
bool DecodeInt(std::string_view raw, int* out);

}  // namespace npcni
