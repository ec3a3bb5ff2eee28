// Decoding any OpenFlow message into a plain JS object (the `decodeMessage` export).
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace netplugin::of {

// Decodes one complete message; malformed bytes throw DecodeError (a caller bug or a protocol violation).
Napi::Object DecodeMessageToJs(Napi::Env env, const uint8_t* data, size_t n);
// Spec name of a message type, e.g. "OFPT_FLOW_MOD".
const char* MessageTypeName(uint8_t type);

}  // namespace netplugin::of
