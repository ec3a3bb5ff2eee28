#include "netlink/request_spec.h"

#include <sys/socket.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cmath>

#include "netlink/ethtool_features.h"
#include "netlink/genl_ctrl.h"
#include "netlink/inet.h"
#include "netlink/rtnl_addr.h"
#include "netlink/rtnl_fdb.h"
#include "netlink/rtnl_link.h"
#include "netlink/rtnl_route.h"
#include "netlink/rtnl_vf.h"
#include "netlink/rtnl_vxlan.h"

namespace netplugin::nl {

namespace {

std::string Str(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

int Int(const Napi::Object& o, const char* key, int def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : def;
}

std::optional<double> Num(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) return std::nullopt;
  return v.As<Napi::Number>().DoubleValue();
}

std::optional<bool> Bool(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) return std::nullopt;
  return v.As<Napi::Boolean>().Value();
}

bool Fail(NativeFailure* f, const std::string& what) {
  *f = SyscallFailure("parse", EINVAL, what);
  f->code = "NP_INVALID_ARGUMENT";
  f->message = what;
  return false;
}

bool Mac(const std::string& text, std::vector<uint8_t>* out, NativeFailure* f) {
  if (text.empty() || ParseMac(text, out)) return true;
  return Fail(f, "bad MAC " + text);
}

bool Prefix(const std::string& text, bool allowDefault, InetPrefix* out, NativeFailure* f) {
  if (ParsePrefix(text, allowDefault, out)) return true;
  return Fail(f, "bad address " + text);
}

// An integer field in [0, max]; unset stays unset.
bool Range(const char* field, const std::optional<double>& v, double max, std::optional<uint32_t>* out, NativeFailure* f) {
  if (!v) return true;
  if (!(*v >= 0 && *v <= max && std::floor(*v) == *v)) return Fail(f, std::string("vfSet: bad ") + field);
  *out = static_cast<uint32_t>(*v);
  return true;
}

// The TS op has checked every field already; this keeps a direct caller from sending wrapped numbers.
bool VfFromSpec(const RequestSpec& s, VfConfig* c, NativeFailure* f) {
  std::optional<uint32_t> vf, qos;
  c->pfIndex = s.index;
  if (!s.vf) return Fail(f, "vfSet: bad vf");
  if (!Range("vf", s.vf, 0x7ffffffe, &vf, f) || !Range("vlan", s.vlan, 4095, &c->vlan, f) ||
      !Range("qos", s.qos, 7, &qos, f) || !Range("txRate", s.txRate, UINT32_MAX, &c->txRate, f) ||
      !Range("minTxRate", s.minTxRate, UINT32_MAX, &c->minTxRate, f) ||
      !Range("maxTxRate", s.maxTxRate, UINT32_MAX, &c->maxTxRate, f))
    return false;
  c->vf = *vf;
  c->qos = qos.value_or(0);
  if (s.vlanProto == "802.1ad") c->vlanProto = ETH_P_8021AD;
  else if (s.vlanProto.empty() || s.vlanProto == "802.1Q") c->vlanProto = ETH_P_8021Q;
  else return Fail(f, "vfSet: bad vlanProto " + s.vlanProto);
  if (s.linkState == "auto") c->linkState = IFLA_VF_LINK_STATE_AUTO;
  else if (s.linkState == "enable") c->linkState = IFLA_VF_LINK_STATE_ENABLE;
  else if (s.linkState == "disable") c->linkState = IFLA_VF_LINK_STATE_DISABLE;
  else if (!s.linkState.empty()) return Fail(f, "vfSet: bad linkState " + s.linkState);
  c->spoofchk = s.spoofchk;
  c->trust = s.trust;
  return Mac(s.mac, &c->mac, f);
}

}  // namespace

RequestSpec SpecFromJs(const Napi::Object& o) {
  RequestSpec s;
  s.op = Str(o, "op");
  s.name = Str(o, "name");
  s.peerName = Str(o, "peerName");
  s.newName = Str(o, "newName");
  s.cidr = Str(o, "cidr");
  s.dst = Str(o, "dst");
  s.gateway = Str(o, "gateway");
  s.mac = Str(o, "mac");
  s.peerMac = Str(o, "peerMac");
  s.local = Str(o, "local");
  s.nsPath = Str(o, "moveToNetns");
  s.peerNsPath = Str(o, "peerNetns");
  Napi::Value vni = o.Get("vni");
  if (vni.IsNumber()) s.vni = vni.As<Napi::Number>().Uint32Value();
  Napi::Value port = o.Get("dstPort");
  if (port.IsNumber()) s.dstPort = static_cast<uint16_t>(port.As<Napi::Number>().Uint32Value());
  Napi::Value learning = o.Get("learning");
  s.learning = learning.IsBoolean() && learning.As<Napi::Boolean>().Value();
  Napi::Value tosInherit = o.Get("tosInherit");
  s.tosInherit = tosInherit.IsBoolean() && tosInherit.As<Napi::Boolean>().Value();
  Napi::Value mtu = o.Get("mtu");
  if (mtu.IsNumber()) s.mtu = mtu.As<Napi::Number>().Uint32Value();
  Napi::Value up = o.Get("up");
  if (up.IsBoolean()) s.up = up.As<Napi::Boolean>().Value();
  Napi::Value feats = o.Get("features");
  if (feats.IsObject()) {
    Napi::Object fo = feats.As<Napi::Object>();
    Napi::Array keys = fo.GetPropertyNames();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
      s.features.emplace_back(k, fo.Get(k).ToBoolean().Value());
    }
  }
  s.index = Int(o, "index", 0);
  s.protocol = Int(o, "protocol", -1);
  s.family = Int(o, "family", 4);
  s.genlFamily = static_cast<uint16_t>(Int(o, "genlFamily", 0));
  s.nsFd = Int(o, "nsFd", -1);
  s.peerNsFd = Int(o, "peerNsFd", -1);
  s.vf = Num(o, "vf");
  s.vlan = Num(o, "vlan");
  s.qos = Num(o, "qos");
  s.txRate = Num(o, "txRate");
  s.minTxRate = Num(o, "minTxRate");
  s.maxTxRate = Num(o, "maxTxRate");
  s.vlanProto = Str(o, "vlanProto");
  s.linkState = Str(o, "linkState");
  s.spoofchk = Bool(o, "spoofchk");
  s.trust = Bool(o, "trust");
  return s;
}

bool BuildSpec(const RequestSpec& s, uint32_t seq, std::vector<uint8_t>* out, NativeFailure* f) {
  const std::string& k = s.op;
  if (k == "createVeth") {
    VethSpec v{s.name, s.peerName, s.mtu, {}, {}, s.peerNsFd};
    if (!Mac(s.mac, &v.mac, f) || !Mac(s.peerMac, &v.peerMac, f)) return false;
    *out = BuildVethCreate(v, seq);
  } else if (k == "linkSet") {
    LinkChange c{s.index, s.up, s.mtu, {}, s.newName, s.nsFd};
    if (!Mac(s.mac, &c.mac, f)) return false;
    *out = BuildLinkChange(c, seq);
  } else if (k == "linkDel") {
    *out = BuildLinkDel(s.index, seq);
  } else if (k == "linkGet") {
    *out = BuildLinkGetByName(s.name, seq);
  } else if (k == "linkList") {
    *out = BuildLinkDump(seq);
  } else if (k == "addrAdd" || k == "addrDel") {
    InetPrefix p;
    if (!Prefix(s.cidr, false, &p, f)) return false;
    *out = BuildAddr(k == "addrAdd", s.index, p, seq);
  } else if (k == "addrList") {
    *out = BuildAddrDump(seq);
  } else if (k == "routeReplace" || k == "routeDel") {
    RouteSpec r;
    if (!Prefix(s.dst, true, &r.dst, f)) return false;
    if (!s.gateway.empty() && !Prefix(s.gateway, false, &r.gateway, f)) return false;
    if (s.protocol < -1 || s.protocol > 255) return Fail(f, "bad route protocol " + std::to_string(s.protocol));
    r.oif = s.index;
    r.protocol = s.protocol;
    *out = k == "routeDel" ? BuildRouteDelete(r, seq) : BuildRouteReplace(r, seq);
  } else if (k == "routeList") {
    *out = BuildRouteDump(s.family == 6 ? AF_INET6 : AF_INET, seq);
  } else if (k == "createVxlan") {
    VxlanSpec v;
    v.name = s.name;
    v.vni = s.vni;
    if (!s.local.empty() && !Prefix(s.local, false, &v.local, f)) return false;
    v.linkIndex = s.index;
    v.dstPort = s.dstPort;
    v.learning = s.learning;
    v.tosInherit = s.tosInherit;
    v.mtu = s.mtu;
    *out = BuildVxlanCreate(v, seq);
  } else if (k == "fdbAppend" || k == "fdbDel") {
    FdbSpec e;
    e.index = s.index;
    if (!Mac(s.mac, &e.mac, f) || !Prefix(s.dst, false, &e.dst, f)) return false;
    *out = BuildFdb(k == "fdbAppend", e, seq);
  } else if (k == "fdbList") {
    *out = BuildFdbDump(s.index, seq);
  } else if (k == "vfSet") {
    VfConfig c;
    if (!VfFromSpec(s, &c, f)) return false;
    *out = BuildVfSet(c, seq);
  } else if (k == "getFamily") {
    *out = BuildGetFamily(s.name, seq);
  } else if (k == "featureNamesGet") {
    *out = BuildFeatureNamesGet(s.genlFamily, s.name, seq);
  } else if (k == "featuresGet") {
    *out = BuildFeaturesGet(s.genlFamily, s.name, seq);
  } else if (k == "featuresSet") {
    *out = BuildFeaturesSet(s.genlFamily, s.name, s.features, seq);
  } else {
    return Fail(f, "unknown request '" + k + "'");
  }
  return true;
}

}  // namespace netplugin::nl
