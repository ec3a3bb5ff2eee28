// Property-name strings created once per environment, so hot conversions skip V8's string internalisation.
#pragma once
#include <napi.h>

#include <string>

namespace netplugin::of {

#define NP_OF_KEYS(X)                                                                                           \
  X(command) X(tableId) X(priority) X(cookie) X(cookieMask) X(idleTimeout) X(hardTimeout) X(flags) X(bufferId) \
  X(outPort) X(outGroup) X(match) X(instructions) X(type) X(actions) X(metadata) X(mask) X(meterId) X(hex)     \
  X(port) X(maxLen) X(groupId) X(field) X(value) X(ethertype) X(queueId) X(src) X(dst) X(nBits) X(srcOfs)     \
  X(dstOfs) X(weight) X(watchPort) X(watchGroup) X(buckets) X(commit) X(zone) X(table) X(nat) X(kind) X(ipMin)   \
  X(ipMax) X(portMin) X(portMax) X(random) X(persistent) X(id) X(clause) X(nClauses) X(bands) X(rate) X(burstSize) \
  X(flowCount) X(packetInCount) X(byteInCount) X(durationSec) X(durationNsec) X(packets) X(bytes) X(inPort) X(data)

// The key strings as napi_values, valid in the handle scope that called Keys().
struct JsKeys {
  napi_env env;
#define NP_OF_KEY_MEMBER(n) napi_value n;
  NP_OF_KEYS(NP_OF_KEY_MEMBER)
#undef NP_OF_KEY_MEMBER
};

// Materialises the cached keys of `env` (creating them on first use, stored as the addon's instance data).
JsKeys Keys(Napi::Env env);
// o[key] with a pre-made key.
Napi::Value Get(const Napi::Object& o, napi_value key);
// Copies a JS string into `buf` (NUL-terminated, truncated to cap-1) and returns its length; throws EncodeError if not a string.
size_t Utf8(napi_env env, napi_value v, char* buf, size_t cap, const char* what);
// A string property, read through a stack buffer when it fits (any length is returned whole).
std::string StrProp(const Napi::Object& o, napi_value key, const char* what);

}  // namespace netplugin::of
