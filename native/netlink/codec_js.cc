#include "netlink/codec_js.h"

#include <linux/rtnetlink.h>

#include "netlink/attr.h"
#include "netlink/decoded.h"
#include "netlink/ethtool_features.h"
#include "netlink/genl_ctrl.h"
#include "netlink/netns.h"
#include "netlink/request_spec.h"

namespace netplugin::nl {

namespace {

// Copies a Buffer so every header is 4-byte aligned whatever the Buffer's offset.
std::vector<uint8_t> Bytes(const Napi::Value& v) {
  auto buf = v.As<Napi::Buffer<uint8_t>>();
  return std::vector<uint8_t>(buf.Data(), buf.Data() + buf.Length());
}

// The first whole message of a buffer, or nullptr.
const struct nlmsghdr* First(const std::vector<uint8_t>& bytes) {
  auto all = SplitMessages(bytes.data(), bytes.size());
  return all.empty() ? nullptr : all[0];
}

// buildRequest({ op, ...NetlinkOp fields, index?, nsFd?, peerNsFd?, family?, genlFamily?, seq? }) -> Buffer;
// `index` stands for the link the op names by `name`/`dev` (for createVxlan: the underlay dev).
Napi::Value BuildRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "buildRequest(spec)");
  Napi::Object o = info[0].As<Napi::Object>();
  RequestSpec spec = SpecFromJs(o);
  Napi::Value seq = o.Get("seq");
  std::vector<uint8_t> m;
  NativeFailure f;
  if (!BuildSpec(spec, seq.IsNumber() ? seq.As<Napi::Number>().Uint32Value() : 0, &m, &f))
    throw Napi::TypeError::New(env, f.message);
  return Napi::Buffer<uint8_t>::Copy(env, m.data(), m.size());
}

// decodeMessages(buf) -> [{ type, flags, kind: 'link'|'addr'|'route'|'fdb'|'other', value? }]
Napi::Value DecodeMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "decodeMessages(buffer)");
  std::vector<uint8_t> bytes = Bytes(info[0]);
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const struct nlmsghdr* h : SplitMessages(bytes.data(), bytes.size())) out.Set(i++, DecodedToJs(env, DecodeOne(h)));
  return out;
}

// decodeFamilyId(buf) -> CTRL_ATTR_FAMILY_ID of a controller reply, 0 when absent.
Napi::Value DecodeFamilyIdJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "decodeFamilyId(buffer)");
  std::vector<uint8_t> bytes = Bytes(info[0]);
  const struct nlmsghdr* h = First(bytes);
  return Napi::Number::New(env, h ? DecodeFamilyId(h) : 0);
}

// decodeFeatures(strsetReply, featuresReply) -> { [name]: { active, changeable } }
Napi::Value DecodeFeaturesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsBuffer())
    throw Napi::TypeError::New(env, "decodeFeatures(strsetReply, featuresReply)");
  std::vector<uint8_t> namesBytes = Bytes(info[0]), featBytes = Bytes(info[1]);
  const struct nlmsghdr* n = First(namesBytes);
  const struct nlmsghdr* f = First(featBytes);
  Napi::Object m = Napi::Object::New(env);
  if (!n || !f) return m;
  for (const FeatureInfo& fi : DecodeFeatures(f, DecodeFeatureNames(n))) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("active", fi.active);
    e.Set("changeable", fi.changeable);
    m.Set(fi.name, e);
  }
  return m;
}

Napi::Value ThreadNetns(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ThreadNetnsInode()));
}

// The kernel header values the TypeScript policy layer relies on, so a unit test can check its copies.
Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("NLM_F_MULTI", Napi::Number::New(env, NLM_F_MULTI));
  c.Set("NLM_F_ECHO", Napi::Number::New(env, NLM_F_ECHO));
  c.Set("NLM_F_DUMP_INTR", Napi::Number::New(env, NLM_F_DUMP_INTR));
  c.Set("NETLINK_ROUTE", Napi::Number::New(env, NETLINK_ROUTE));
  c.Set("NETLINK_GENERIC", Napi::Number::New(env, NETLINK_GENERIC));
  c.Set("RTM_NEWLINK", Napi::Number::New(env, RTM_NEWLINK));
  c.Set("RTM_NEWADDR", Napi::Number::New(env, RTM_NEWADDR));
  c.Set("RTM_NEWROUTE", Napi::Number::New(env, RTM_NEWROUTE));
  c.Set("RTM_DELROUTE", Napi::Number::New(env, RTM_DELROUTE));
  c.Set("RTM_NEWNEIGH", Napi::Number::New(env, RTM_NEWNEIGH));
  c.Set("RT_TABLE_MAIN", Napi::Number::New(env, RT_TABLE_MAIN));
  c.Set("RTN_UNICAST", Napi::Number::New(env, RTN_UNICAST));
  return c;
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
  exports.Set("decodeFamilyId", Napi::Function::New(env, DecodeFamilyIdJs, "decodeFamilyId"));
  exports.Set("decodeFeatures", Napi::Function::New(env, DecodeFeaturesJs, "decodeFeatures"));
  exports.Set("threadNetnsInode", Napi::Function::New(env, ThreadNetns, "threadNetnsInode"));
  exports.Set("constants", Constants(env));
}

}  // namespace netplugin::nl
