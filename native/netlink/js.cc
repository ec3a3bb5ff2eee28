#include "netlink/js.h"

namespace netplugin::nl {

namespace {

std::string Str(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

}  // namespace

Op OpFromJs(const Napi::Object& o) {
  Op op;
  op.opName = Str(o, "op");
  op.kind = ParseOpKind(op.opName);
  op.netns = Str(o, "netns");
  op.name = Str(o, "name");
  op.peerName = Str(o, "peerName");
  op.peerNetns = Str(o, "peerNetns");
  op.moveToNetns = Str(o, "moveToNetns");
  op.newName = Str(o, "newName");
  op.cidr = Str(o, "cidr");
  op.dst = Str(o, "dst");
  op.gateway = Str(o, "gateway");
  op.dev = Str(o, "dev");
  op.mac = Str(o, "mac");
  op.peerMac = Str(o, "peerMac");
  op.local = Str(o, "local");
  Napi::Value vni = o.Get("vni");
  if (vni.IsNumber()) op.vni = vni.As<Napi::Number>().Uint32Value();
  Napi::Value port = o.Get("dstPort");
  if (port.IsNumber()) op.dstPort = static_cast<uint16_t>(port.As<Napi::Number>().Uint32Value());
  Napi::Value learning = o.Get("learning");
  op.learning = learning.IsBoolean() && learning.As<Napi::Boolean>().Value();
  Napi::Value mtu = o.Get("mtu");
  if (mtu.IsNumber()) op.mtu = mtu.As<Napi::Number>().Uint32Value();
  Napi::Value up = o.Get("up");
  if (up.IsBoolean()) op.up = up.As<Napi::Boolean>().Value();
  Napi::Value ignore = o.Get("ignoreMissing");
  op.ignoreMissing = ignore.IsBoolean() && ignore.As<Napi::Boolean>().Value();
  Napi::Value feats = o.Get("features");
  if (feats.IsObject()) {
    Napi::Object fo = feats.As<Napi::Object>();
    Napi::Array keys = fo.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
      op.features.emplace_back(k, fo.Get(k).ToBoolean().Value());
    }
  }
  return op;
}

Napi::Object LinkToJs(Napi::Env env, const LinkInfo& l) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("index", l.index);
  o.Set("name", l.name);
  o.Set("mtu", l.mtu);
  o.Set("mac", l.mac);
  o.Set("up", l.up);
  o.Set("operUp", l.operUp);
  if (!l.kind.empty()) o.Set("kind", l.kind);
  if (l.masterIndex) o.Set("masterIndex", l.masterIndex);
  if (l.peerIndex) o.Set("peerIndex", l.peerIndex);
  if (l.hasVxlan) {
    Napi::Object v = Napi::Object::New(env);
    v.Set("vni", l.vxlan.vni);
    if (!l.vxlan.local.empty()) v.Set("local", l.vxlan.local);
    v.Set("dstPort", l.vxlan.dstPort);
    v.Set("learning", l.vxlan.learning);
    o.Set("vxlan", v);
  }
  return o;
}

Napi::Object FdbToJs(Napi::Env env, const FdbInfo& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mac", e.mac);
  if (!e.dst.empty()) o.Set("dst", e.dst);
  o.Set("permanent", e.permanent);
  return o;
}

Napi::Object AddrToJs(Napi::Env env, const AddrInfo& a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", a.name);
  o.Set("index", a.index);
  o.Set("cidr", a.cidr);
  o.Set("family", a.family);
  return o;
}

Napi::Object RouteToJs(Napi::Env env, const RouteInfo& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dst", r.dst);
  if (!r.gateway.empty()) o.Set("gateway", r.gateway);
  if (!r.dev.empty()) o.Set("dev", r.dev);
  o.Set("table", r.table);
  return o;
}

Napi::Object OutcomeToJs(Napi::Env env, const OpOutcome& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", !r.failure.failed());
  if (r.failure.failed()) {
    o.Set("error", ToJsError(env, r.failure).Value());
    return o;
  }
  using V = OpOutcome::Value;
  switch (r.value) {
    case V::None: break;
    case V::Link: o.Set("value", r.found ? Napi::Value(LinkToJs(env, r.link)) : env.Undefined()); break;
    case V::Links: {
      Napi::Array a = Napi::Array::New(env, r.links.size());
      for (size_t i = 0; i < r.links.size(); i++) a.Set(static_cast<uint32_t>(i), LinkToJs(env, r.links[i]));
      o.Set("value", a);
      break;
    }
    case V::Addrs: {
      Napi::Array a = Napi::Array::New(env, r.addrs.size());
      for (size_t i = 0; i < r.addrs.size(); i++) a.Set(static_cast<uint32_t>(i), AddrToJs(env, r.addrs[i]));
      o.Set("value", a);
      break;
    }
    case V::Routes: {
      Napi::Array a = Napi::Array::New(env, r.routes.size());
      for (size_t i = 0; i < r.routes.size(); i++) a.Set(static_cast<uint32_t>(i), RouteToJs(env, r.routes[i]));
      o.Set("value", a);
      break;
    }
    case V::Features: {
      Napi::Object m = Napi::Object::New(env);
      for (const FeatureInfo& f : r.features) {
        Napi::Object e = Napi::Object::New(env);
        e.Set("active", f.active);
        e.Set("changeable", f.changeable);
        m.Set(f.name, e);
      }
      o.Set("value", m);
      break;
    }
    case V::Fdb: {
      Napi::Array a = Napi::Array::New(env, r.fdb.size());
      for (size_t i = 0; i < r.fdb.size(); i++) a.Set(static_cast<uint32_t>(i), FdbToJs(env, r.fdb[i]));
      o.Set("value", a);
      break;
    }
  }
  return o;
}

}  // namespace netplugin::nl
