// Exposes the pure codec to JS (buildRequest, decodeMessages, decodeFamilyId, decodeFeatures,
// attrEncode/attrDecode, constants): tests compare it with bytes captured from `ip`, and the
// TypeScript policy layer decodes genl replies with it.
#pragma once
#include <napi.h>

namespace netplugin::nl {

// Registers the codec functions on the module exports.
void InitCodec(Napi::Env env, Napi::Object exports);

}  // namespace netplugin::nl
