#include "netlink/js.h"

#include <linux/if_ether.h>
#include <linux/if_link.h>

namespace netplugin::nl {

namespace {

const char* LinkStateName(uint32_t s) {
  switch (s) {
    case IFLA_VF_LINK_STATE_AUTO: return "auto";
    case IFLA_VF_LINK_STATE_ENABLE: return "enable";
    case IFLA_VF_LINK_STATE_DISABLE: return "disable";
    default: return nullptr;
  }
}

Napi::Object VfToJs(Napi::Env env, const VfInfo& v) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("vf", v.vf);
  if (!v.mac.empty()) o.Set("mac", v.mac);
  if (v.vlan) {
    o.Set("vlan", *v.vlan);
    o.Set("qos", v.qos);
    o.Set("vlanProto", v.vlanProto == ETH_P_8021AD ? "802.1ad" : "802.1Q");
  }
  if (v.txRate) o.Set("txRate", *v.txRate);
  if (v.minTxRate) o.Set("minTxRate", *v.minTxRate);
  if (v.maxTxRate) o.Set("maxTxRate", *v.maxTxRate);
  if (v.spoofchk) o.Set("spoofchk", *v.spoofchk);
  if (v.trust) o.Set("trust", *v.trust);
  if (v.linkState) {
    // A state newer than this build knows is passed on as its number.
    const char* n = LinkStateName(*v.linkState);
    if (n) o.Set("linkState", n);
    else o.Set("linkState", *v.linkState);
  }
  return o;
}

}  // namespace

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
  if (l.numVf) o.Set("numVf", *l.numVf);
  if (l.hasVfList) {
    Napi::Array vfs = Napi::Array::New(env, l.vfs.size());
    for (size_t i = 0; i < l.vfs.size(); i++) vfs.Set(static_cast<uint32_t>(i), VfToJs(env, l.vfs[i]));
    o.Set("vfs", vfs);
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
