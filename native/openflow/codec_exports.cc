#include "openflow/codec_exports.h"

#include "openflow/barrier.h"
#include "openflow/bundle.h"
#include "openflow/echo.h"
#include "openflow/features.h"
#include "openflow/js_convert.h"
#include "openflow/js_message.h"
#include "openflow/js_values.h"
#include "openflow/packed.h"

namespace netplugin::of {

namespace {
// Runs `fn`, turning codec exceptions into JS TypeError (bad input) or RangeError (bad bytes).
template <typename Fn>
Napi::Value Guard(Napi::Env env, Fn fn) {
  try {
    return fn();
  } catch (const EncodeError& e) {
    throw Napi::TypeError::New(env, std::string("OpenFlow encode: ") + e.what());
  } catch (const DecodeError& e) {
    throw Napi::RangeError::New(env, std::string("OpenFlow decode: ") + e.what());
  }
}

uint8_t VersionArg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() ? uint8_t(UintFromJs(info[i], 8, "version")) : OFP13_VERSION;
}

uint32_t XidArg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() && !info[i].IsUndefined() ? uint32_t(UintFromJs(info[i], 32, "xid")) : 0;
}

Napi::Value ToBuffer(Napi::Env env, std::vector<uint8_t>&& bytes) {
  auto* heap = new std::vector<uint8_t>(std::move(bytes));
  return Napi::Buffer<uint8_t>::New(env, heap->data(), heap->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* v) { delete v; }, heap);
}

// (mod, xid?, version?) -> Buffer
Napi::Value EncodeFlowModJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeFlowMod(out, VersionArg(info, 2), XidArg(info, 1), FlowModFromJs(Keys(info.Env()), info[0]));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (mod, xid?, version?) -> Buffer
Napi::Value EncodeGroupModJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeGroupMod(out, VersionArg(info, 2), XidArg(info, 1), GroupModFromJs(Keys(info.Env()), info[0]));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (mod, xid?, version?) -> Buffer
Napi::Value EncodeMeterModJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeMeterMod(out, VersionArg(info, 2), XidArg(info, 1), MeterModFromJs(Keys(info.Env()), info[0]));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (packetOut, xid?, version?) -> Buffer
Napi::Value EncodePacketOutJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodePacketOut(out, VersionArg(info, 2), XidArg(info, 1), PacketOutFromJs(Keys(info.Env()), info[0]));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, flags, missSendLen) -> Buffer
Napi::Value EncodeSetConfigJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeSetConfig(out, VersionArg(info, 0), XidArg(info, 1), uint16_t(UintFromJs(info[2], 16, "flags")), uint16_t(UintFromJs(info[3], 16, "missSendLen")));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// The options both batch encoders take: {version, firstXid, bundleId?, bundleFlags?}.
struct BatchOptions {
  uint8_t version;
  uint32_t firstXid;
  bool bundle;
  uint32_t bundleId;
  uint16_t bundleFlags;
};

BatchOptions ReadBatchOptions(const Napi::Object& o) {
  BatchOptions opt{};
  opt.version = uint8_t(OptUint(o, "version", 8, OFP13_VERSION));
  opt.firstXid = uint32_t(OptUint(o, "firstXid", 32, 1));
  Napi::Value bid = o.Get("bundleId");
  opt.bundle = !bid.IsUndefined();
  opt.bundleId = opt.bundle ? uint32_t(UintFromJs(bid, 32, "bundleId")) : 0;
  opt.bundleFlags = uint16_t(OptUint(o, "bundleFlags", 16, OFPBF_ATOMIC | OFPBF_ORDERED));
  return opt;
}

// Appends one message of xid `xid` (encodeInner writes it), wrapped in an OFPT_BUNDLE_ADD_MESSAGE
// when the batch is bundled; the inner message repeats the outer xid (OF1.4 §7.3.9.2).
template <typename EncodeInner>
void AppendMaybeBundled(std::vector<uint8_t>& out, const BatchOptions& opt, uint32_t xid, EncodeInner encodeInner) {
  if (!opt.bundle) {
    encodeInner(xid);
    return;
  }
  Writer w(out);
  size_t start = BeginBundleAdd(w, opt.version, xid, opt.bundleId, opt.bundleFlags);
  encodeInner(xid);
  EndMessage(w, start);
}

// (kind: 'flow' | 'group', mods: object[], {version, firstXid, bundleId?, bundleFlags?}) -> Buffer: the mods
// with consecutive xids from firstXid, each wrapped in an OFPT_BUNDLE_ADD_MESSAGE when bundleId is given.
// A mod that does not encode throws a TypeError carrying `index` (its position in `mods`) and `reason`.
// What surrounds the mods (bundle OPEN/COMMIT, barrier) and how chunks number their errors is the caller's.
Napi::Value EncodeModListJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&] {
    if (!info[0].IsString() || !info[1].IsArray() || !info[2].IsObject())
      throw EncodeError("encodeModList needs (kind, mods[], options)");
    bool flows = info[0].As<Napi::String>().Utf8Value() == "flow";
    Napi::Array mods = info[1].As<Napi::Array>();
    const BatchOptions opt = ReadBatchOptions(info[2].As<Napi::Object>());
    uint32_t xid = opt.firstXid;
    std::vector<uint8_t> out;
    out.reserve(size_t(mods.Length()) * (flows ? 128 : 96) + 64);
    JsKeys k = Keys(env);
    // One handle scope per mod: without it 50k flows pile up millions of handles for the GC to scan.
    for (uint32_t i = 0; i < mods.Length(); ++i) {
      Napi::HandleScope scope(env);
      try {
        if (flows) {
          FlowMod m = FlowModFromJs(k, mods.Get(i));
          AppendMaybeBundled(out, opt, xid++, [&](uint32_t x) { EncodeFlowMod(out, opt.version, x, m); });
        } else {
          GroupMod g = GroupModFromJs(k, mods.Get(i));
          AppendMaybeBundled(out, opt, xid++, [&](uint32_t x) { EncodeGroupMod(out, opt.version, x, g); });
        }
      } catch (const EncodeError& e) {
        Napi::Error err = Napi::TypeError::New(env, std::string("OpenFlow encode: ") + e.what());
        err.Set("index", Napi::Number::New(env, i));
        err.Set("reason", Napi::String::New(env, e.what()));
        throw err;
      }
    }
    return ToBuffer(env, std::move(out));
  });
}

// Data pointer and element count of a typed array of the given type; throws EncodeError otherwise.
template <typename T>
const T* TypedArrayData(Napi::Env env, const Napi::Value& v, napi_typedarray_type type, size_t* length, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) throw EncodeError(std::string(what) + " has the wrong array type");
  auto a = v.As<Napi::TypedArray>();
  *length = a.ElementLength();
  return reinterpret_cast<const T*>(static_cast<const uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

// (words: Uint32Array, wide: BigUint64Array, mods: FlowMod[], {version, firstXid, bundleId?, bundleFlags?}) -> Buffer:
// the same bytes as encodeModList('flow', mods, options), read from the flat layout of packed.h; a mod packed as
// kObjectMod is read from mods[i] through the object path. A mod that does not encode throws a TypeError carrying
// `index` and `reason`, as encodeModList does.
Napi::Value EncodeFlowModsPackedJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&] {
    if (info.Length() < 4 || !info[2].IsArray() || !info[3].IsObject())
      throw EncodeError("encodeFlowModsPacked needs (words, wide, mods[], options)");
    size_t nWords = 0, nWide = 0;
    const uint32_t* words = TypedArrayData<uint32_t>(env, info[0], napi_uint32_array, &nWords, "words");
    const uint64_t* wide = TypedArrayData<uint64_t>(env, info[1], napi_biguint64_array, &nWide, "wide");
    Napi::Array mods = info[2].As<Napi::Array>();
    const BatchOptions opt = ReadBatchOptions(info[3].As<Napi::Object>());
    uint32_t xid = opt.firstXid;
    uint32_t count = mods.Length();
    std::vector<uint8_t> out;
    out.reserve(size_t(count) * 128 + 64);
    PackedReader r(words, nWords, wide, nWide);
    JsKeys k = Keys(env);
    for (uint32_t i = 0; i < count; ++i) {
      try {
        FlowMod m;
        if (r.word(kObjectMod) == kObjectMod) {
          Napi::HandleScope scope(env);
          m = FlowModFromJs(k, mods.Get(i));
        } else {
          m = ReadPackedFlowMod(r);
        }
        AppendMaybeBundled(out, opt, xid++, [&](uint32_t x) { EncodeFlowMod(out, opt.version, x, m); });
      } catch (const EncodeError& e) {
        Napi::Error err = Napi::TypeError::New(env, std::string("OpenFlow encode: ") + e.what());
        err.Set("index", Napi::Number::New(env, i));
        err.Set("reason", Napi::String::New(env, e.what()));
        throw err;
      }
    }
    if (!r.done()) throw EncodeError("packed flow-mods hold more than " + std::to_string(count) + " mods");
    return ToBuffer(env, std::move(out));
  });
}

// () -> [{name, width, kind, maskable}]: the match fields in the order packed layouts index them.
Napi::Value MatchFieldsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static const char* const kinds[] = {"uint", "u64", "mac", "ipv4"};
  const auto& fields = Fields();
  Napi::Array a = Napi::Array::New(env, fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    Napi::Object f = Napi::Object::New(env);
    f.Set("name", fields[i].name);
    f.Set("width", double(fields[i].width));
    f.Set("kind", kinds[size_t(fields[i].kind)]);
    f.Set("maskable", fields[i].maskable);
    a.Set(uint32_t(i), f);
  }
  return a;
}

// (headerVersion, versions: number[], xid?) -> Buffer
Napi::Value EncodeHelloJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    if (!info[1].IsArray()) throw EncodeError("encodeHello needs a header version and an array of versions");
    Napi::Array a = info[1].As<Napi::Array>();
    std::vector<uint8_t> versions;
    for (uint32_t i = 0; i < a.Length(); ++i) versions.push_back(uint8_t(UintFromJs(a.Get(i), 5, "version")));
    std::vector<uint8_t> out;
    EncodeHello(out, uint8_t(UintFromJs(info[0], 8, "version")), versions, XidArg(info, 2));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid) -> Buffer
Napi::Value EncodeFeaturesRequestJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeFeaturesRequest(out, VersionArg(info, 0), XidArg(info, 1));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid) -> Buffer
Napi::Value EncodeBarrierRequestJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeBarrierRequest(out, VersionArg(info, 0), XidArg(info, 1));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, data?: Buffer) -> Buffer
Napi::Value EncodeEchoRequestJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    const uint8_t* p = nullptr;
    size_t n = 0;
    if (info.Length() > 2 && info[2].IsBuffer()) {
      auto b = info[2].As<Napi::Buffer<uint8_t>>();
      p = b.Data();
      n = b.Length();
    }
    EncodeEcho(out, VersionArg(info, 0), OFPT_ECHO_REQUEST, XidArg(info, 1), p, n);
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, filter?) -> Buffer
Napi::Value EncodeFlowStatsRequestJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeFlowStatsRequest(out, VersionArg(info, 0), XidArg(info, 1),
                           FlowStatsRequestFromJs(Keys(info.Env()), info.Length() > 2 ? info[2] : info.Env().Undefined()));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid) -> Buffer
Napi::Value EncodeGroupDescRequestJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    EncodeGroupDescRequest(out, VersionArg(info, 0), XidArg(info, 1));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, mpType: OFPMP_METER | OFPMP_METER_CONFIG, meterId) -> Buffer
Napi::Value EncodeMeterRequestJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    uint16_t mpType = uint16_t(UintFromJs(info[2], 16, "mpType"));
    if (mpType != OFPMP_METER && mpType != OFPMP_METER_CONFIG) throw EncodeError("mpType: " + std::to_string(mpType) + " is not OFPMP_METER (9) or OFPMP_METER_CONFIG (10)");
    std::vector<uint8_t> out;
    EncodeMeterMultipartRequest(out, VersionArg(info, 0), XidArg(info, 1), mpType, uint32_t(UintFromJs(info[3], 32, "meterId")));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, meters: MeterStats[], flags?) -> Buffer: one OFPMP_METER reply (what a switch sends; for tests)
Napi::Value EncodeMeterStatsReplyJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    uint16_t flags = info.Length() > 3 && !info[3].IsUndefined() ? uint16_t(UintFromJs(info[3], 16, "flags")) : 0;
    EncodeMeterStatsReply(out, VersionArg(info, 0), XidArg(info, 1), flags, MeterStatsListFromJs(Keys(info.Env()), info[2], "meterStats"));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, meters: MeterConfig[], flags?) -> Buffer: one OFPMP_METER_CONFIG reply (what a switch sends; for tests)
Napi::Value EncodeMeterConfigReplyJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    uint16_t flags = info.Length() > 3 && !info[3].IsUndefined() ? uint16_t(UintFromJs(info[3], 16, "flags")) : 0;
    EncodeMeterConfigReply(out, VersionArg(info, 0), XidArg(info, 1), flags, MeterConfigListFromJs(Keys(info.Env()), info[2], "meterConfigs"));
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (version, xid, bundleId, ctrlType, flags) -> Buffer
Napi::Value EncodeBundleControlJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    std::vector<uint8_t> out;
    BundleCtrl c{uint32_t(UintFromJs(info[2], 32, "bundleId")), uint16_t(UintFromJs(info[3], 16, "type")),
                 uint16_t(UintFromJs(info[4], 16, "flags"))};
    EncodeBundleCtrl(out, VersionArg(info, 0), XidArg(info, 1), c);
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (buf: Buffer) -> decoded message object
Napi::Value DecodeMessageJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    if (!info[0].IsBuffer()) throw EncodeError("decodeMessage needs a Buffer");
    auto b = info[0].As<Napi::Buffer<uint8_t>>();
    return DecodeMessageToJs(info.Env(), b.Data(), b.Length());
  });
}
}  // namespace

void InitCodec(Napi::Env env, Napi::Object exports) {
  exports.Set("encodeFlowMod", Napi::Function::New(env, EncodeFlowModJs, "encodeFlowMod"));
  exports.Set("encodeGroupMod", Napi::Function::New(env, EncodeGroupModJs, "encodeGroupMod"));
  exports.Set("encodeMeterMod", Napi::Function::New(env, EncodeMeterModJs, "encodeMeterMod"));
  exports.Set("encodePacketOut", Napi::Function::New(env, EncodePacketOutJs, "encodePacketOut"));
  exports.Set("encodeSetConfig", Napi::Function::New(env, EncodeSetConfigJs, "encodeSetConfig"));
  exports.Set("encodeModList", Napi::Function::New(env, EncodeModListJs, "encodeModList"));
  exports.Set("encodeFlowModsPacked", Napi::Function::New(env, EncodeFlowModsPackedJs, "encodeFlowModsPacked"));
  exports.Set("matchFields", Napi::Function::New(env, MatchFieldsJs, "matchFields"));
  exports.Set("encodeHello", Napi::Function::New(env, EncodeHelloJs, "encodeHello"));
  exports.Set("encodeFeaturesRequest", Napi::Function::New(env, EncodeFeaturesRequestJs, "encodeFeaturesRequest"));
  exports.Set("encodeBarrierRequest", Napi::Function::New(env, EncodeBarrierRequestJs, "encodeBarrierRequest"));
  exports.Set("encodeEchoRequest", Napi::Function::New(env, EncodeEchoRequestJs, "encodeEchoRequest"));
  exports.Set("encodeFlowStatsRequest", Napi::Function::New(env, EncodeFlowStatsRequestJs, "encodeFlowStatsRequest"));
  exports.Set("encodeGroupDescRequest", Napi::Function::New(env, EncodeGroupDescRequestJs, "encodeGroupDescRequest"));
  exports.Set("encodeMeterRequest", Napi::Function::New(env, EncodeMeterRequestJs, "encodeMeterRequest"));
  exports.Set("encodeMeterStatsReply", Napi::Function::New(env, EncodeMeterStatsReplyJs, "encodeMeterStatsReply"));
  exports.Set("encodeMeterConfigReply", Napi::Function::New(env, EncodeMeterConfigReplyJs, "encodeMeterConfigReply"));
  exports.Set("encodeBundleControl", Napi::Function::New(env, EncodeBundleControlJs, "encodeBundleControl"));
  exports.Set("decodeMessage", Napi::Function::New(env, DecodeMessageJs, "decodeMessage"));
}

}  // namespace netplugin::of
