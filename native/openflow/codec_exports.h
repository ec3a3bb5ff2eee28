// Registers the pure codec functions (encode*/decodeMessage) on the module exports.
#pragma once
#include <napi.h>

namespace netplugin::of {

// Adds encodeFlowMod, encodeGroupMod, encodeBatch, encodeHello, ..., decodeMessage to `exports`.
void InitCodec(Napi::Env env, Napi::Object exports);

}  // namespace netplugin::of
