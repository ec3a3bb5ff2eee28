#include "openflow/js_keys.h"


#include "openflow/wire.h"

namespace netplugin::of {

namespace {
// Per-env storage: an array holding the key strings (N-API 8 cannot reference strings directly).
struct KeyRefs {
  Napi::ObjectReference array;
};
const char* const kNames[] = {
#define NP_OF_KEY_NAME(n) #n,
    NP_OF_KEYS(NP_OF_KEY_NAME)
#undef NP_OF_KEY_NAME
};
}  // namespace

JsKeys Keys(Napi::Env env) {
  auto* refs = env.GetInstanceData<KeyRefs>();
  constexpr size_t count = sizeof kNames / sizeof kNames[0];
  if (!refs) {
    Napi::Array a = Napi::Array::New(env, count);
    for (size_t i = 0; i < count; ++i) a.Set(uint32_t(i), Napi::String::New(env, kNames[i]));
    refs = new KeyRefs;
    refs->array = Napi::Persistent(Napi::Object(a));
    env.SetInstanceData(refs);
  }
  Napi::Object a = refs->array.Value();
  JsKeys k;
  k.env = env;
  napi_value* slots[] = {
#define NP_OF_KEY_SLOT(n) &k.n,
      NP_OF_KEYS(NP_OF_KEY_SLOT)
#undef NP_OF_KEY_SLOT
  };
  for (size_t i = 0; i < count; ++i) *slots[i] = a.Get(uint32_t(i));
  return k;
}

Napi::Value Get(const Napi::Object& o, napi_value key) {
  napi_value out;
  napi_status st = napi_get_property(o.Env(), o, key, &out);
  NAPI_THROW_IF_FAILED(o.Env(), st, Napi::Value());
  return Napi::Value(o.Env(), out);
}

size_t Utf8(napi_env env, napi_value v, char* buf, size_t cap, const char* what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) {
    throw EncodeError(std::string(what) + " must be a string");
  }
  return len;
}

std::string StrProp(const Napi::Object& o, napi_value key, const char* what) {
  char buf[64];
  Napi::Value v = Get(o, key);
  if (!v.IsString()) throw EncodeError(std::string("missing string '") + what + "'");
  size_t n = Utf8(o.Env(), v, buf, sizeof buf, what);
  if (n + 1 < sizeof buf) return std::string(buf, n);
  // Filled the stack buffer, so possibly cut short: raw actions' hex is often longer than 63 characters.
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace netplugin::of
