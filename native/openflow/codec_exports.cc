#include "openflow/codec_exports.h"

#include "openflow/barrier.h"
#include "openflow/bundle.h"
#include "openflow/echo.h"
#include "openflow/features.h"
#include "openflow/js_convert.h"
#include "openflow/js_message.h"
#include "openflow/js_values.h"

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

// ({version, firstXid, groupMods?, flowMods?, barrier?, bundleId?, bundleFlags?, bundleOpen?, bundleCommit?, groupIndexBase?, flowIndexBase?}) -> Buffer.
// Without bundleId: groups then flows numbered from firstXid, then a barrier if asked.
// With bundleId: OPEN at firstXid (unless bundleOpen is false: a later chunk of the same bundle), one
// BUNDLE_ADD per mod, then a barrier if asked, else COMMIT (unless bundleCommit is false). The barrier lets the
// caller see every add's error before choosing COMMIT or DISCARD: OVS rejects a bad add yet would commit the rest.
Napi::Value EncodeBatchJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    if (!info[0].IsObject()) throw EncodeError("encodeBatch needs an options object");
    Napi::Object o = info[0].As<Napi::Object>();
    uint8_t version = uint8_t(OptUint(o, "version", 8, OFP13_VERSION));
    uint32_t xid = uint32_t(OptUint(o, "firstXid", 32, 1));
    Napi::Value gv = o.Get("groupMods"), fv = o.Get("flowMods"), bid = o.Get("bundleId");
    Napi::Array groups = gv.IsArray() ? gv.As<Napi::Array>() : Napi::Array::New(info.Env());
    Napi::Array flows = fv.IsArray() ? fv.As<Napi::Array>() : Napi::Array::New(info.Env());
    bool bundle = !bid.IsUndefined();
    uint32_t bundleId = bundle ? uint32_t(UintFromJs(bid, 32, "bundleId")) : 0;
    uint16_t bundleFlags = uint16_t(OptUint(o, "bundleFlags", 16, OFPBF_ATOMIC | OFPBF_ORDERED));
    std::vector<uint8_t> out;
    out.reserve(size_t(flows.Length()) * 128 + size_t(groups.Length()) * 96 + 64);
    bool barrier = o.Get("barrier").ToBoolean();
    auto optBool = [&](const char* key) { Napi::Value v = o.Get(key); return v.IsUndefined() || v.ToBoolean().Value(); };
    bool open = bundle && optBool("bundleOpen");
    bool commit = bundle && !barrier && optBool("bundleCommit");
    if (open) EncodeBundleCtrl(out, version, xid++, {bundleId, OFPBCT_OPEN_REQUEST, bundleFlags});
    // Bundled messages are wrapped; the inner message repeats the outer xid (OF1.4 §7.3.9.2).
    auto wrap = [&](auto encodeInner) {
      if (!bundle) {
        encodeInner(xid++);
        return;
      }
      Writer w(out);
      size_t start = BeginBundleAdd(w, version, xid, bundleId, bundleFlags);
      encodeInner(xid++);
      EndMessage(w, start);
    };
    JsKeys k = Keys(info.Env());
    uint32_t groupBase = uint32_t(OptUint(o, "groupIndexBase", 32, 0));
    uint32_t flowBase = uint32_t(OptUint(o, "flowIndexBase", 32, 0));
    // Names the failing element by its index in the caller's whole list, not in this chunk.
    auto at = [&](const char* list, uint32_t i, const EncodeError& e) {
      uint32_t base = list[0] == 'g' ? groupBase : flowBase;
      return EncodeError(std::string(list) + "[" + std::to_string(base + i) + "]: " + e.what());
    };
    for (uint32_t i = 0; i < groups.Length(); ++i) {
      Napi::HandleScope scope(info.Env());
      GroupMod g;
      try {
        g = GroupModFromJs(k, groups.Get(i));
      } catch (const EncodeError& e) {
        throw at("groupMods", i, e);
      }
      wrap([&](uint32_t x) { EncodeGroupMod(out, version, x, g); });
    }
    // One handle scope per flow: without it 50k flows pile up millions of handles for the GC to scan.
    for (uint32_t i = 0; i < flows.Length(); ++i) {
      Napi::HandleScope scope(info.Env());
      FlowMod m;
      try {
        m = FlowModFromJs(k, flows.Get(i));
      } catch (const EncodeError& e) {
        throw at("flowMods", i, e);
      }
      wrap([&](uint32_t x) { EncodeFlowMod(out, version, x, m); });
    }
    if (barrier) EncodeBarrierRequest(out, version, xid++);
    else if (commit) EncodeBundleCtrl(out, version, xid++, {bundleId, OFPBCT_COMMIT_REQUEST, bundleFlags});
    return ToBuffer(info.Env(), std::move(out));
  });
}

// (versions: number[], xid?) -> Buffer; the header carries the highest version offered.
Napi::Value EncodeHelloJs(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] {
    if (!info[0].IsArray()) throw EncodeError("encodeHello needs an array of versions");
    Napi::Array a = info[0].As<Napi::Array>();
    std::vector<uint8_t> versions;
    uint8_t top = 0;
    for (uint32_t i = 0; i < a.Length(); ++i) {
      uint8_t v = uint8_t(UintFromJs(a.Get(i), 5, "version"));
      versions.push_back(v);
      top = std::max(top, v);
    }
    std::vector<uint8_t> out;
    EncodeHello(out, top, versions, XidArg(info, 1));
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
  exports.Set("encodeBatch", Napi::Function::New(env, EncodeBatchJs, "encodeBatch"));
  exports.Set("encodeHello", Napi::Function::New(env, EncodeHelloJs, "encodeHello"));
  exports.Set("encodeFeaturesRequest", Napi::Function::New(env, EncodeFeaturesRequestJs, "encodeFeaturesRequest"));
  exports.Set("encodeBarrierRequest", Napi::Function::New(env, EncodeBarrierRequestJs, "encodeBarrierRequest"));
  exports.Set("encodeEchoRequest", Napi::Function::New(env, EncodeEchoRequestJs, "encodeEchoRequest"));
  exports.Set("encodeFlowStatsRequest", Napi::Function::New(env, EncodeFlowStatsRequestJs, "encodeFlowStatsRequest"));
  exports.Set("encodeGroupDescRequest", Napi::Function::New(env, EncodeGroupDescRequestJs, "encodeGroupDescRequest"));
  exports.Set("encodeBundleControl", Napi::Function::New(env, EncodeBundleControlJs, "encodeBundleControl"));
  exports.Set("decodeMessage", Napi::Function::New(env, DecodeMessageJs, "decodeMessage"));
}

}  // namespace netplugin::of
