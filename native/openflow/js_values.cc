#include "openflow/js_values.h"

#include <cstdio>

#include "openflow/js_keys.h"
#include "openflow/wire.h"

namespace netplugin::of {

uint64_t UintFromJs(const Napi::Value& v, unsigned bits, const char* what) {
  uint64_t max = bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
  uint64_t out;
  if (v.IsBigInt()) {
    bool lossless = false;
    out = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw EncodeError(std::string(what) + " does not fit in 64 bits");
  } else if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0) || d != double(uint64_t(d)) || d > 9007199254740991.0)
      throw EncodeError(std::string(what) + " must be a non-negative integer");
    out = uint64_t(d);
  } else {
    throw EncodeError(std::string(what) + " must be a number or bigint");
  }
  if (out > max) throw EncodeError(std::string(what) + " exceeds " + std::to_string(bits) + " bits");
  return out;
}

uint64_t OptUint(const Napi::Object& o, const char* key, unsigned bits, uint64_t dflt) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  return UintFromJs(v, bits, key);
}

uint64_t ReqUint(const Napi::Object& o, const char* key, unsigned bits) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) throw EncodeError(std::string("missing ") + key);
  return UintFromJs(v, bits, key);
}

uint64_t OptUint(const Napi::Object& o, napi_value key, const char* name, unsigned bits, uint64_t dflt) {
  Napi::Value v = Get(o, key);
  if (v.IsUndefined() || v.IsNull()) return dflt;
  return UintFromJs(v, bits, name);
}

uint64_t ReqUint(const Napi::Object& o, napi_value key, const char* name, unsigned bits) {
  Napi::Value v = Get(o, key);
  if (v.IsUndefined() || v.IsNull()) throw EncodeError(std::string("missing ") + name);
  return UintFromJs(v, bits, name);
}

namespace {
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void ParseMac(const char* s, size_t len, uint8_t* out, const std::string& what) {
  int n = 0;
  size_t i = 0;
  while (n < 6) {
    if (i + 2 > len) break;
    int hi = HexDigit(s[i]), lo = HexDigit(s[i + 1]);
    if (hi < 0 || lo < 0) break;
    out[n++] = uint8_t(hi << 4 | lo);
    i += 2;
    if (n < 6) {
      if (i >= len || (s[i] != ':' && s[i] != '-')) break;
      ++i;
    }
  }
  if (n != 6 || i != len) throw EncodeError(what + ": '" + std::string(s, len) + "' is not a MAC address");
}

void ParseIpv4(const char* s, size_t len, uint8_t* out, const std::string& what) {
  // Hand-rolled: sscanf showed up in profiles of 50k-flow batches.
  int octet = 0, digits = 0;
  unsigned cur = 0;
  bool ok = len > 0;
  for (size_t i = 0; ok && i <= len; ++i) {
    char c = i < len ? s[i] : '.';
    if (c >= '0' && c <= '9' && digits < 3) {
      cur = cur * 10 + unsigned(c - '0');
      ++digits;
    } else if (c == '.' && digits > 0 && cur <= 255 && octet < 4) {
      out[octet++] = uint8_t(cur);
      cur = 0;
      digits = 0;
    } else {
      ok = false;
    }
  }
  if (!ok || octet != 4) throw EncodeError(what + ": '" + std::string(s, len) + "' is not an IPv4 address");
}
}  // namespace

void FieldBytesFromJs(const FieldInfo& info, const Napi::Value& v, uint8_t* out, const std::string& what) {
  switch (info.kind) {
    case FieldKind::Mac: {
      if (!v.IsString()) throw EncodeError(what + " must be a MAC string");
      char buf[40];
      size_t n = Utf8(v.Env(), v, buf, sizeof buf, what.c_str());
      ParseMac(buf, n, out, what);
      return;
    }
    case FieldKind::Ipv4: {
      if (!v.IsString()) throw EncodeError(what + " must be a dotted IPv4 string");
      char buf[40];
      size_t n = Utf8(v.Env(), v, buf, sizeof buf, what.c_str());
      ParseIpv4(buf, n, out, what);
      return;
    }
    case FieldKind::Uint:
    case FieldKind::Uint64: {
      uint64_t x = UintFromJs(v, info.width * 8, what.c_str());
      for (int i = info.width - 1; i >= 0; --i, x >>= 8) out[i] = uint8_t(x);
      return;
    }
  }
}

uint32_t Ipv4FromJs(const Napi::Value& v, const std::string& what) {
  if (!v.IsString()) throw EncodeError(what + " must be a dotted IPv4 string");
  char buf[40];
  size_t n = Utf8(v.Env(), v, buf, sizeof buf, what.c_str());
  uint8_t b[4];
  ParseIpv4(buf, n, b, what);
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
}

Napi::Value Ipv4ToJs(Napi::Env env, uint32_t addr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);
  return Napi::String::New(env, buf);
}

Napi::Value FieldBytesToJs(Napi::Env env, const FieldInfo& info, const uint8_t* b) {
  char buf[32];
  switch (info.kind) {
    case FieldKind::Mac:
      std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
      return Napi::String::New(env, buf);
    case FieldKind::Ipv4:
      std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
      return Napi::String::New(env, buf);
    case FieldKind::Uint64:
    case FieldKind::Uint: {
      uint64_t x = 0;
      for (int i = 0; i < info.width; ++i) x = x << 8 | b[i];
      if (info.kind == FieldKind::Uint64) return U64ToJs(env, x);
      return Napi::Number::New(env, double(x));
    }
  }
  return env.Undefined();
}

std::string Hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = d[p[i] >> 4];
    s[2 * i + 1] = d[p[i] & 15];
  }
  return s;
}

std::vector<uint8_t> FromHex(const std::string& s) {
  if (s.size() % 2) throw EncodeError("hex string of odd length");
  std::vector<uint8_t> out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexDigit(s[2 * i]), lo = HexDigit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) throw EncodeError("bad hex string");
    out[i] = uint8_t(hi << 4 | lo);
  }
  return out;
}

Napi::Value U64ToJs(Napi::Env env, uint64_t v) { return Napi::BigInt::New(env, v); }

}  // namespace netplugin::of
