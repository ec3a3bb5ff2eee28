// Match and set_field conversions.
#include <algorithm>
#include <cstdio>

#include "openflow/js_convert.h"
#include "openflow/js_keys.h"
#include "openflow/js_values.h"

namespace netplugin::of {

namespace {
bool AllOnes(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0xff) return false;
  return true;
}

std::string UnknownKey(const OxmTlv& t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "oxm_%04x_%u", t.oxmClass, t.field);
  return buf;
}
}  // namespace

Match MatchFromJs(const Napi::Value& v) {
  Match m;
  if (v.IsUndefined() || v.IsNull()) return m;
  if (!v.IsObject()) throw EncodeError("match must be an object");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  const FieldInfo* base = Fields().data();
  std::vector<std::pair<size_t, OxmTlv>> tlvs;
  std::vector<std::pair<const FieldInfo*, Napi::Value>> masks;
  uint32_t nkeys = keys.Length();
  for (uint32_t i = 0; i < nkeys; ++i) {
    Napi::Value keyValue = keys.Get(i);
    char buf[64];
    size_t len = Utf8(o.Env(), keyValue, buf, sizeof buf, "match key");
    std::string key(buf, len);
    // Reading by the key value itself avoids re-internalising the name.
    Napi::Value val = Get(o, keyValue);
    if (val.IsUndefined()) continue;
    bool isMask = key.size() > 4 && key.compare(key.size() - 4, 4, "Mask") == 0;
    const FieldInfo* f = FieldByName(isMask ? key.substr(0, key.size() - 4) : key);
    if (!f) throw EncodeError("unknown match field '" + key + "'");
    if (isMask) {
      if (!f->maskable) throw EncodeError("match field '" + std::string(f->name) + "' cannot be masked");
      masks.emplace_back(f, val);
      continue;
    }
    OxmTlv t;
    t.oxmClass = f->oxmClass;
    t.field = f->field;
    t.length = f->width;
    FieldBytesFromJs(*f, val, t.value.data(), "match." + key);
    tlvs.emplace_back(size_t(f - base), t);
  }
  for (auto& [f, val] : masks) {
    // A copy for the lambda: capturing a structured binding needs C++20 (clang rejects it).
    const size_t index = size_t(f - base);
    auto it = std::find_if(tlvs.begin(), tlvs.end(), [index](auto& p) { return p.first == index; });
    if (it == tlvs.end()) throw EncodeError(std::string("match.") + f->name + "Mask given without " + f->name);
    FieldBytesFromJs(*f, val, it->second.mask.data(), std::string("match.") + f->name + "Mask");
    // A full mask means an exact match; OVS encodes it unmasked, and so do we.
    it->second.hasMask = !AllOnes(it->second.mask.data(), f->width);
  }
  for (auto& p : tlvs) NormaliseMatchTlv(base[p.first], p.second);
  std::sort(tlvs.begin(), tlvs.end(), [](auto& a, auto& b) { return a.first < b.first; });
  m.reserve(tlvs.size());
  for (auto& p : tlvs) m.push_back(p.second);
  return m;
}

Napi::Object MatchToJs(Napi::Env env, const Match& m) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& t : m) {
    const FieldInfo* f = t.oxmClass == OFPXMC_EXPERIMENTER ? nullptr : FieldByHeader(t.oxmClass, t.field);
    if (!f || f->width != t.length) {
      std::string v = Hex(t.value.data(), t.length);
      if (t.hasMask) v += "/" + Hex(t.mask.data(), t.length);
      o.Set(UnknownKey(t), v);
      continue;
    }
    o.Set(f->name, FieldBytesToJs(env, *f, t.value.data()));
    if (t.hasMask && !AllOnes(t.mask.data(), t.length))
      o.Set(std::string(f->name) + "Mask", FieldBytesToJs(env, *f, t.mask.data()));
  }
  return o;
}

OxmTlv SetFieldTlvFromJs(const std::string& field, const Napi::Value& value) {
  const FieldInfo* f = FieldByName(field);
  if (!f) throw EncodeError("unknown set_field field '" + field + "'");
  OxmTlv t;
  t.oxmClass = f->oxmClass;
  t.field = f->field;
  t.length = f->width;
  FieldBytesFromJs(*f, value, t.value.data(), "setField." + field);
  return t;
}

}  // namespace netplugin::of
