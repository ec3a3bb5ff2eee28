// {type: 'ct'} actions <-> Conntrack (types.ts `Action` member 'ct' and `CtNat`).
#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

namespace {
bool OptBool(const Napi::Object& o, napi_value key, const char* name) {
  Napi::Value v = Get(o, key);
  if (v.IsUndefined() || v.IsNull()) return false;
  if (!v.IsBoolean()) throw EncodeError(std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

CtNat NatFromJs(const JsKeys& k, const Napi::Value& v) {
  if (!v.IsObject()) throw EncodeError("ct.nat must be an object");
  Napi::Object o = v.As<Napi::Object>();
  std::string kind = StrProp(o, k.kind, "ct.nat.kind");
  CtNat n;
  if (kind == "restore") {
    // Any range member here is a mistake the caller should hear about, not silently drop.
    for (napi_value key : {k.ipMin, k.ipMax, k.portMin, k.portMax, k.random, k.persistent}) {
      Napi::Value m = Get(o, key);
      if (!m.IsUndefined() && !m.IsNull()) throw EncodeError("ct.nat: kind 'restore' takes no range or flags");
    }
    return n;
  }
  if (kind == "src") n.flags = NX_NAT_F_SRC;
  else if (kind == "dst") n.flags = NX_NAT_F_DST;
  else throw EncodeError("ct.nat.kind must be 'src', 'dst' or 'restore', not '" + kind + "'");
  Napi::Value ipMin = Get(o, k.ipMin);
  if (ipMin.IsUndefined() || ipMin.IsNull()) throw EncodeError("missing ct.nat.ipMin");
  n.ipv4Min = Ipv4FromJs(ipMin, "ct.nat.ipMin");
  Napi::Value ipMax = Get(o, k.ipMax);
  if (!ipMax.IsUndefined() && !ipMax.IsNull()) {
    n.ipv4Max = Ipv4FromJs(ipMax, "ct.nat.ipMax");
    if (n.ipv4Max == 0) throw EncodeError("ct.nat.ipMax must not be 0.0.0.0");
  }
  n.protoMin = uint16_t(OptUint(o, k.portMin, "ct.nat.portMin", 16, 0));
  Napi::Value portMin = Get(o, k.portMin);
  if (!portMin.IsUndefined() && !portMin.IsNull() && n.protoMin == 0) throw EncodeError("ct.nat.portMin must be 1..65535");
  Napi::Value portMax = Get(o, k.portMax);
  if (!portMax.IsUndefined() && !portMax.IsNull()) {
    n.protoMax = uint16_t(OptUint(o, k.portMax, "ct.nat.portMax", 16, 0));
    if (n.protoMax == 0) throw EncodeError("ct.nat.portMax must be 1..65535");
  }
  if (OptBool(o, k.random, "ct.nat.random")) n.flags |= NX_NAT_F_PROTO_RANDOM;
  if (OptBool(o, k.persistent, "ct.nat.persistent")) n.flags |= NX_NAT_F_PERSISTENT;
  return n;
}
}  // namespace

Conntrack ConntrackFromJs(const JsKeys& k, const Napi::Object& o) {
  Conntrack ct;
  if (OptBool(o, k.commit, "ct.commit")) ct.flags |= NX_CT_F_COMMIT;
  ct.zone = uint16_t(OptUint(o, k.zone, "ct.zone", 16, 0));
  uint64_t table = OptUint(o, k.table, "ct.table", 8, NX_CT_RECIRC_NONE);
  Napi::Value t = Get(o, k.table);
  if (!t.IsUndefined() && !t.IsNull() && table == NX_CT_RECIRC_NONE)
    throw EncodeError("ct.table must be 0..254 (255 means no recirculation)");
  ct.recircTable = uint8_t(table);
  Napi::Value nat = Get(o, k.nat);
  if (!nat.IsUndefined() && !nat.IsNull()) {
    ct.hasNat = true;
    ct.nat = NatFromJs(k, nat);
  }
  ValidateConntrack(ct);
  return ct;
}

void ConntrackToJs(Napi::Env env, const Conntrack& ct, Napi::Object& o) {
  if (ct.flags & NX_CT_F_COMMIT) o.Set("commit", true);
  if (ct.zone) o.Set("zone", double(ct.zone));
  if (ct.recircTable != NX_CT_RECIRC_NONE) o.Set("table", double(ct.recircTable));
  if (!ct.hasNat) return;
  const CtNat& n = ct.nat;
  Napi::Object nat = Napi::Object::New(env);
  if (!(n.flags & (NX_NAT_F_SRC | NX_NAT_F_DST))) {
    nat.Set("kind", "restore");
  } else {
    nat.Set("kind", n.flags & NX_NAT_F_SRC ? "src" : "dst");
    nat.Set("ipMin", Ipv4ToJs(env, n.ipv4Min));
    if (n.ipv4Max) nat.Set("ipMax", Ipv4ToJs(env, n.ipv4Max));
    if (n.protoMin) nat.Set("portMin", double(n.protoMin));
    if (n.protoMax) nat.Set("portMax", double(n.protoMax));
    if (n.flags & NX_NAT_F_PROTO_RANDOM) nat.Set("random", true);
    if (n.flags & NX_NAT_F_PERSISTENT) nat.Set("persistent", true);
  }
  o.Set("nat", nat);
}

}  // namespace netplugin::of
