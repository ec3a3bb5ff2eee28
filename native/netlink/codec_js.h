// Exposes the pure codec to JS (buildRequest, decodeMessages, attrEncode/attrDecode) so
// unit tests can compare requests with bytes captured from `ip` without touching the kernel.
#pragma once
#include <napi.h>

namespace netplugin::nl {

// Registers the codec functions on the module exports.
void InitCodec(Napi::Env env, Napi::Object exports);

}  // namespace netplugin::nl
