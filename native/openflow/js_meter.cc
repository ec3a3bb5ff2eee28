// Meter-mod (and meter band) and packet-in conversions.
#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

namespace {
const char* const kMeterCommands[] = {"add", "modify", "delete"};
}  // namespace

std::vector<MeterBand> MeterBandsFromJs(const JsKeys& k, const Napi::Value& bv, const std::string& what) {
  std::vector<MeterBand> out;
  if (bv.IsUndefined()) return out;
  if (!bv.IsArray()) throw EncodeError(what + " must be an array");
  Napi::Array bands = bv.As<Napi::Array>();
  for (uint32_t i = 0; i < bands.Length(); ++i) {
    const std::string at = what + "[" + std::to_string(i) + "]";
    Napi::Value b = bands.Get(i);
    if (!b.IsObject()) throw EncodeError(at + " must be an object");
    Napi::Object bo = b.As<Napi::Object>();
    std::string type = StrProp(bo, k.type, "type");
    MeterBand band;
    if (type == "drop") {
      band.type = OFPMBT_DROP;
      band.rate = uint32_t(ReqUint(bo, k.rate, (at + ".rate").c_str(), 32));
      band.burstSize = uint32_t(OptUint(bo, k.burstSize, (at + ".burstSize").c_str(), 32, 0));
    } else if (type == "raw") {
      band.raw = FromHex(StrProp(bo, k.hex, "hex"));
      if (band.raw.size() < 16 || band.raw.size() % 8) throw EncodeError(at + ".hex: a band is a multiple of 8 bytes, at least 16");
    } else {
      throw EncodeError(at + ".type: '" + type + "' is not drop or raw");
    }
    out.push_back(std::move(band));
  }
  return out;
}

Napi::Array MeterBandsToJs(Napi::Env env, const std::vector<MeterBand>& bands) {
  Napi::Array a = Napi::Array::New(env, bands.size());
  for (size_t i = 0; i < bands.size(); ++i) {
    const MeterBand& b = bands[i];
    Napi::Object bo = Napi::Object::New(env);
    if (!b.raw.empty()) {
      bo.Set("type", "raw");
      bo.Set("hex", Hex(b.raw.data(), b.raw.size()));
    } else {
      bo.Set("type", "drop");
      bo.Set("rate", double(b.rate));
      if (b.burstSize) bo.Set("burstSize", double(b.burstSize));
    }
    a.Set(uint32_t(i), bo);
  }
  return a;
}

MeterMod MeterModFromJs(const JsKeys& k, const Napi::Value& v) {
  if (!v.IsObject()) throw EncodeError("meter mod must be an object");
  Napi::Object o = v.As<Napi::Object>();
  MeterMod m;
  std::string cmd = StrProp(o, k.command, "command");
  int c = -1;
  for (int i = 0; i < 3; ++i)
    if (cmd == kMeterCommands[i]) c = i;
  if (c < 0) throw EncodeError("meterMod.command: '" + cmd + "' is not add, modify or delete");
  m.command = uint16_t(c);
  m.meterId = uint32_t(ReqUint(o, k.meterId, "meterId", 32));
  m.flags = uint16_t(OptUint(o, k.flags, "flags", 16, 0));
  m.bands = MeterBandsFromJs(k, Get(o, k.bands), "meterMod.bands");
  return m;
}

Napi::Object MeterModToJs(Napi::Env env, const MeterMod& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("command", m.command < 3 ? kMeterCommands[m.command] : "unknown");
  o.Set("meterId", double(m.meterId));
  o.Set("flags", double(m.flags));
  o.Set("bands", MeterBandsToJs(env, m.bands));
  return o;
}

Napi::Object PacketInToJs(Napi::Env env, const PacketIn& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("bufferId", double(p.bufferId));
  o.Set("totalLen", double(p.totalLen));
  o.Set("reason", double(p.reason));
  o.Set("tableId", double(p.tableId));
  o.Set("cookie", U64ToJs(env, p.cookie));
  o.Set("match", MatchToJs(env, p.match));
  o.Set("data", Napi::Buffer<uint8_t>::Copy(env, p.data, p.dataLen));
  return o;
}

}  // namespace netplugin::of
