#include "netlink/codec_js.h"

#include <sys/socket.h>

#include "netlink/attr.h"
#include "netlink/ethtool_features.h"
#include "netlink/genl_ctrl.h"
#include "netlink/js.h"
#include "netlink/rtnl_addr.h"
#include "netlink/rtnl_fdb.h"
#include "netlink/rtnl_link.h"
#include "netlink/rtnl_route.h"
#include "netlink/rtnl_vxlan.h"

namespace netplugin::nl {

namespace {

int Int(const Napi::Object& o, const char* key, int def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : def;
}

std::vector<uint8_t> Mac(Napi::Env env, const std::string& text) {
  std::vector<uint8_t> out;
  if (!text.empty() && !ParseMac(text, &out)) throw Napi::TypeError::New(env, "bad MAC " + text);
  return out;
}

InetPrefix Prefix(Napi::Env env, const std::string& text, bool allowDefault) {
  InetPrefix p;
  if (!ParsePrefix(text, allowDefault, &p)) throw Napi::TypeError::New(env, "bad address " + text);
  return p;
}

// buildRequest({ op, ...NetlinkOp fields, index?, nsFd?, peerNsFd?, family?, genlFamily?, seq? }) -> Buffer;
// `index` stands for the link the op names by `name`/`dev` (for createVxlan: the underlay dev).
Napi::Value BuildRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "buildRequest(spec)");
  Napi::Object o = info[0].As<Napi::Object>();
  Op op = OpFromJs(o);
  uint32_t seq = static_cast<uint32_t>(Int(o, "seq", 0));
  int index = Int(o, "index", 0);
  uint16_t genl = static_cast<uint16_t>(Int(o, "genlFamily", 0));
  std::vector<uint8_t> m;
  std::string kind = op.opName;
  if (kind == "createVeth") {
    VethSpec v{op.name, op.peerName, op.mtu, Mac(env, op.mac), Mac(env, op.peerMac), Int(o, "peerNsFd", -1)};
    m = BuildVethCreate(v, seq);
  } else if (kind == "linkSet") {
    LinkChange c{index, op.up, op.mtu, Mac(env, op.mac), op.newName, Int(o, "nsFd", -1)};
    m = BuildLinkChange(c, seq);
  } else if (kind == "linkDel") {
    m = BuildLinkDel(index, seq);
  } else if (kind == "linkGet") {
    m = BuildLinkGetByName(op.name, seq);
  } else if (kind == "linkList") {
    m = BuildLinkDump(seq);
  } else if (kind == "addrAdd" || kind == "addrDel") {
    m = BuildAddr(kind == "addrAdd", index, Prefix(env, op.cidr, false), seq);
  } else if (kind == "addrList") {
    m = BuildAddrDump(seq);
  } else if (kind == "routeReplace") {
    RouteSpec r;
    r.dst = Prefix(env, op.dst, true);
    if (!op.gateway.empty()) r.gateway = Prefix(env, op.gateway, false);
    r.oif = index;
    m = BuildRouteReplace(r, seq);
  } else if (kind == "routeList") {
    m = BuildRouteDump(Int(o, "family", 4) == 6 ? AF_INET6 : AF_INET, seq);
  } else if (kind == "createVxlan") {
    VxlanSpec v;
    v.name = op.name;
    v.vni = op.vni;
    if (!op.local.empty()) v.local = Prefix(env, op.local, false);
    v.linkIndex = index;
    v.dstPort = op.dstPort;
    v.learning = op.learning;
    v.mtu = op.mtu;
    m = BuildVxlanCreate(v, seq);
  } else if (kind == "fdbAppend" || kind == "fdbDel") {
    FdbSpec e{index, Mac(env, op.mac), Prefix(env, op.dst, false)};
    m = BuildFdb(kind == "fdbAppend", e, seq);
  } else if (kind == "fdbList") {
    m = BuildFdbDump(index, seq);
  } else if (kind == "getFamily") {
    m = BuildGetFamily(op.name, seq);
  } else if (kind == "featureNamesGet") {
    m = BuildFeatureNamesGet(genl, op.name, seq);
  } else if (kind == "featuresGet") {
    m = BuildFeaturesGet(genl, op.name, seq);
  } else if (kind == "featuresSet") {
    m = BuildFeaturesSet(genl, op.name, op.features, seq);
  } else {
    throw Napi::TypeError::New(env, "buildRequest: unknown op " + kind);
  }
  return Napi::Buffer<uint8_t>::Copy(env, m.data(), m.size());
}

// decodeMessages(buf) -> [{ type, kind: 'link'|'addr'|'route'|'fdb'|'other', value? }]
Napi::Value DecodeMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "decodeMessages(buffer)");
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  // Copy so every header is 4-byte aligned whatever the Buffer's offset.
  std::vector<uint8_t> bytes(buf.Data(), buf.Data() + buf.Length());
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const struct nlmsghdr* h : SplitMessages(bytes.data(), bytes.size())) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("type", h->nlmsg_type);
    LinkInfo l;
    AddrInfo a;
    RouteInfo r;
    FdbInfo fdb;
    if (DecodeLink(h, &l)) {
      e.Set("kind", "link");
      e.Set("value", LinkToJs(env, l));
    } else if (DecodeAddr(h, &a)) {
      e.Set("kind", "addr");
      e.Set("value", AddrToJs(env, a));
    } else if (DecodeRoute(h, &r)) {
      e.Set("kind", "route");
      Napi::Object v = RouteToJs(env, r);
      v.Set("oif", r.oif);
      v.Set("type", r.type);
      v.Set("family", r.family);
      e.Set("value", v);
    } else if (DecodeFdb(h, &fdb)) {
      e.Set("kind", "fdb");
      Napi::Object v = FdbToJs(env, fdb);
      v.Set("index", fdb.index);
      e.Set("value", v);
    } else {
      e.Set("kind", "other");
    }
    out.Set(i++, e);
  }
  return out;
}

// attrDecode(buf) -> { ok, attrs: [{ type, data }] }
Napi::Value AttrDecode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "attrDecode(buffer)");
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  std::vector<uint8_t> bytes(buf.Data(), buf.Data() + buf.Length());
  std::vector<Attr> attrs;
  bool ok = ParseAttrs(bytes.data(), bytes.size(), &attrs);
  Napi::Array list = Napi::Array::New(env, attrs.size());
  for (size_t i = 0; i < attrs.size(); i++) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("type", attrs[i].type);
    a.Set("data", Napi::Buffer<uint8_t>::Copy(env, attrs[i].data, attrs[i].len));
    list.Set(static_cast<uint32_t>(i), a);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", ok);
  out.Set("attrs", list);
  return out;
}

// attrEncode([{ type, data }]) -> Buffer
Napi::Value AttrEncode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "attrEncode(attrs)");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<std::pair<uint16_t, std::vector<uint8_t>>> attrs;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object a = arr.Get(i).As<Napi::Object>();
    auto data = a.Get("data").As<Napi::Buffer<uint8_t>>();
    if (data.Length() > 0xffff - NLA_HDRLEN) throw Napi::RangeError::New(env, "attribute too long");
    attrs.emplace_back(static_cast<uint16_t>(a.Get("type").As<Napi::Number>().Uint32Value()),
                       std::vector<uint8_t>(data.Data(), data.Data() + data.Length()));
  }
  std::vector<uint8_t> out = EncodeAttrs(attrs);
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

}  // namespace

void InitCodec(Napi::Env env, Napi::Object exports) {
  exports.Set("buildRequest", Napi::Function::New(env, BuildRequest, "buildRequest"));
  exports.Set("decodeMessages", Napi::Function::New(env, DecodeMessages, "decodeMessages"));
  exports.Set("attrDecode", Napi::Function::New(env, AttrDecode, "attrDecode"));
  exports.Set("attrEncode", Napi::Function::New(env, AttrEncode, "attrEncode"));
}

}  // namespace netplugin::nl
