// Conversions between JS values and OpenFlow field bytes (numbers, bigints, MAC and IPv4 strings).
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "openflow/oxm.h"

namespace netplugin::of {

// Reads a JS number or bigint as an unsigned integer no wider than `bits`; throws EncodeError otherwise.
uint64_t UintFromJs(const Napi::Value& v, unsigned bits, const char* what);
// Reads an optional unsigned integer property, returning `dflt` when it is absent or undefined.
uint64_t OptUint(const Napi::Object& o, const char* key, unsigned bits, uint64_t dflt);
// Reads a required unsigned integer property.
uint64_t ReqUint(const Napi::Object& o, const char* key, unsigned bits);
// Same as OptUint/ReqUint with a pre-made key (see js_keys.h); `name` is for messages.
uint64_t OptUint(const Napi::Object& o, napi_value key, const char* name, unsigned bits, uint64_t dflt);
uint64_t ReqUint(const Napi::Object& o, napi_value key, const char* name, unsigned bits);
// Writes a field value of `info`'s kind and width into `out` (big-endian).
void FieldBytesFromJs(const FieldInfo& info, const Napi::Value& v, uint8_t* out, const std::string& what);
// Turns field bytes back into the JS value of `info`'s kind.
Napi::Value FieldBytesToJs(Napi::Env env, const FieldInfo& info, const uint8_t* bytes);
// A dotted-quad IPv4 string as a host-order integer; `what` names the member in the error.
uint32_t Ipv4FromJs(const Napi::Value& v, const std::string& what);
// A host-order IPv4 address as a dotted-quad string.
Napi::Value Ipv4ToJs(Napi::Env env, uint32_t addr);
// Lowercase hex of a byte range.
std::string Hex(const uint8_t* p, size_t n);
// Parses even-length hex into bytes; throws EncodeError on bad input.
std::vector<uint8_t> FromHex(const std::string& s);
// A bigint for a 64-bit unsigned value.
Napi::Value U64ToJs(Napi::Env env, uint64_t v);

}  // namespace netplugin::of
