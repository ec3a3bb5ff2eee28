// Packet-out conversions (types.ts `PacketOut`).
#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

PacketOut PacketOutFromJs(const JsKeys& k, const Napi::Value& v) {
  if (!v.IsObject()) throw EncodeError("packet out must be an object");
  Napi::Object o = v.As<Napi::Object>();
  PacketOut p;
  p.inPort = uint32_t(OptUint(o, k.inPort, "packetOut.inPort", 32, OFPP_CONTROLLER));
  p.bufferId = uint32_t(OptUint(o, k.bufferId, "packetOut.bufferId", 32, OFP_NO_BUFFER));
  p.actions = ActionsFromJs(k, Get(o, k.actions));
  Napi::Value data = Get(o, k.data);
  if (!data.IsBuffer()) throw EncodeError("packetOut.data must be a Buffer");
  auto b = data.As<Napi::Buffer<uint8_t>>();
  p.data.assign(b.Data(), b.Data() + b.Length());
  // Without a switch buffer the frame is the packet: an empty one gives vswitchd nothing to send.
  if (p.bufferId == OFP_NO_BUFFER && p.data.empty()) throw EncodeError("packetOut.data: empty frame without a bufferId");
  return p;
}

Napi::Object PacketOutToJs(Napi::Env env, const PacketOut& p) {
  Napi::Object o = Napi::Object::New(env);
  if (p.bufferId != OFP_NO_BUFFER) o.Set("bufferId", double(p.bufferId));
  o.Set("inPort", double(p.inPort));
  o.Set("actions", ActionsToJs(env, p.actions));
  o.Set("data", Napi::Buffer<uint8_t>::Copy(env, p.data.data(), p.data.size()));
  return o;
}

}  // namespace netplugin::of
