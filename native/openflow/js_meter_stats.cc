// Meter-stats and meter-config reply entries to and from JS (the encoders exist so tests can check fixtures both ways).
#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

namespace {
// The array `v` as a list of objects; `what` names it in errors.
Napi::Array ObjectArray(const Napi::Value& v, const std::string& what) {
  if (!v.IsArray()) throw EncodeError(what + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i)
    if (!a.Get(i).IsObject()) throw EncodeError(what + "[" + std::to_string(i) + "] must be an object");
  return a;
}

uint64_t Req(const Napi::Object& o, napi_value key, const std::string& at, const char* name, unsigned bits) {
  return ReqUint(o, key, (at + "." + name).c_str(), bits);
}
}  // namespace

std::vector<MeterStats> MeterStatsListFromJs(const JsKeys& k, const Napi::Value& v, const std::string& what) {
  Napi::Array a = ObjectArray(v, what);
  std::vector<MeterStats> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string at = what + "[" + std::to_string(i) + "]";
    Napi::Object o = a.Get(i).As<Napi::Object>();
    MeterStats m;
    m.meterId = uint32_t(Req(o, k.meterId, at, "meterId", 32));
    m.flowCount = uint32_t(Req(o, k.flowCount, at, "flowCount", 32));
    m.packetInCount = Req(o, k.packetInCount, at, "packetInCount", 64);
    m.byteInCount = Req(o, k.byteInCount, at, "byteInCount", 64);
    m.durationSec = uint32_t(Req(o, k.durationSec, at, "durationSec", 32));
    m.durationNsec = uint32_t(OptUint(o, k.durationNsec, (at + ".durationNsec").c_str(), 32, 0));
    const std::string bandsAt = at + ".bands";
    Napi::Array bands = ObjectArray(Get(o, k.bands), bandsAt);
    for (uint32_t j = 0; j < bands.Length(); ++j) {
      const std::string bandAt = bandsAt + "[" + std::to_string(j) + "]";
      Napi::Object bo = bands.Get(j).As<Napi::Object>();
      m.bands.push_back({Req(bo, k.packets, bandAt, "packets", 64), Req(bo, k.bytes, bandAt, "bytes", 64)});
    }
    out.push_back(std::move(m));
  }
  return out;
}

Napi::Object MeterStatsToJs(Napi::Env env, const MeterStats& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("meterId", double(m.meterId));
  o.Set("flowCount", double(m.flowCount));
  o.Set("packetInCount", U64ToJs(env, m.packetInCount));
  o.Set("byteInCount", U64ToJs(env, m.byteInCount));
  o.Set("durationSec", double(m.durationSec));
  o.Set("durationNsec", double(m.durationNsec));
  Napi::Array a = Napi::Array::New(env, m.bands.size());
  for (size_t i = 0; i < m.bands.size(); ++i) {
    Napi::Object b = Napi::Object::New(env);
    b.Set("packets", U64ToJs(env, m.bands[i].packets));
    b.Set("bytes", U64ToJs(env, m.bands[i].bytes));
    a.Set(uint32_t(i), b);
  }
  o.Set("bands", a);
  return o;
}

std::vector<MeterConfig> MeterConfigListFromJs(const JsKeys& k, const Napi::Value& v, const std::string& what) {
  Napi::Array a = ObjectArray(v, what);
  std::vector<MeterConfig> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string at = what + "[" + std::to_string(i) + "]";
    Napi::Object o = a.Get(i).As<Napi::Object>();
    MeterConfig m;
    m.meterId = uint32_t(Req(o, k.meterId, at, "meterId", 32));
    m.flags = uint16_t(Req(o, k.flags, at, "flags", 16));
    m.bands = MeterBandsFromJs(k, Get(o, k.bands), at + ".bands");
    out.push_back(std::move(m));
  }
  return out;
}

Napi::Object MeterConfigToJs(Napi::Env env, const MeterConfig& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("meterId", double(m.meterId));
  o.Set("flags", double(m.flags));
  o.Set("bands", MeterBandsToJs(env, m.bands));
  return o;
}

}  // namespace netplugin::of
