#include "netlink/js.h"

namespace netplugin::nl {

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
    v.Set("tosInherit", l.vxlan.tosInherit);
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
  o.Set("protocol", r.protocol);
  return o;
}

}  // namespace netplugin::nl
