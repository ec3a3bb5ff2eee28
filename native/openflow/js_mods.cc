// Flow-mod, group-mod, flow-stats and group-desc conversions.
#include <cstring>

#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

namespace {
const char* const kFlowCommands[] = {"add", "modify", "modifyStrict", "delete", "deleteStrict"};
const char* const kGroupCommands[] = {"add", "modify", "delete"};
const char* const kGroupTypes[] = {"all", "select", "indirect", "ff"};

template <size_t N>
int IndexOf(const char* const (&names)[N], const std::string& s) {
  for (size_t i = 0; i < N; ++i)
    if (s == names[i]) return int(i);
  return -1;
}

}  // namespace

const char* GroupTypeName(uint8_t type) { return type < 4 ? kGroupTypes[type] : "unknown"; }

FlowMod FlowModFromJs(const JsKeys& k, const Napi::Value& v) {
  if (!v.IsObject()) throw EncodeError("flow mod must be an object");
  Napi::Object o = v.As<Napi::Object>();
  FlowMod m;
  int cmd = IndexOf(kFlowCommands, StrProp(o, k.command, "command"));
  if (cmd < 0) throw EncodeError("unknown flow mod command");
  m.command = uint8_t(cmd);
  m.tableId = uint8_t(ReqUint(o, k.tableId, "tableId", 8));
  m.priority = uint16_t(ReqUint(o, k.priority, "priority", 16));
  m.cookie = OptUint(o, k.cookie, "cookie", 64, 0);
  m.cookieMask = OptUint(o, k.cookieMask, "cookieMask", 64, 0);
  m.idleTimeout = uint16_t(OptUint(o, k.idleTimeout, "idleTimeout", 16, 0));
  m.hardTimeout = uint16_t(OptUint(o, k.hardTimeout, "hardTimeout", 16, 0));
  m.flags = uint16_t(OptUint(o, k.flags, "flags", 16, 0));
  m.bufferId = uint32_t(OptUint(o, k.bufferId, "bufferId", 32, OFP_NO_BUFFER));
  m.outPort = uint32_t(OptUint(o, k.outPort, "outPort", 32, OFPP_ANY));
  m.outGroup = uint32_t(OptUint(o, k.outGroup, "outGroup", 32, OFPG_ANY));
  m.match = MatchFromJs(Get(o, k.match));
  m.instructions = InstructionsFromJs(k, Get(o, k.instructions));
  return m;
}

Napi::Object FlowModToJs(Napi::Env env, const FlowMod& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("command", m.command < 5 ? kFlowCommands[m.command] : "unknown");
  o.Set("tableId", double(m.tableId));
  o.Set("priority", double(m.priority));
  o.Set("cookie", U64ToJs(env, m.cookie));
  if (m.cookieMask) o.Set("cookieMask", U64ToJs(env, m.cookieMask));
  if (m.idleTimeout) o.Set("idleTimeout", double(m.idleTimeout));
  if (m.hardTimeout) o.Set("hardTimeout", double(m.hardTimeout));
  if (m.flags) o.Set("flags", double(m.flags));
  if (m.bufferId != OFP_NO_BUFFER) o.Set("bufferId", double(m.bufferId));
  if (m.outPort != OFPP_ANY) o.Set("outPort", double(m.outPort));
  if (m.outGroup != OFPG_ANY) o.Set("outGroup", double(m.outGroup));
  o.Set("match", MatchToJs(env, m.match));
  o.Set("instructions", InstructionsToJs(env, m.instructions));
  return o;
}

GroupMod GroupModFromJs(const JsKeys& k, const Napi::Value& v) {
  if (!v.IsObject()) throw EncodeError("group mod must be an object");
  Napi::Object o = v.As<Napi::Object>();
  GroupMod g;
  int cmd = IndexOf(kGroupCommands, StrProp(o, k.command, "command"));
  if (cmd < 0) throw EncodeError("unknown group mod command");
  g.command = uint16_t(cmd);
  Napi::Value tv = Get(o, k.type);
  // Deletes need no type; OVS ignores it, ovs-ofctl sends 0 (all).
  int type = tv.IsUndefined() ? 0 : IndexOf(kGroupTypes, StrProp(o, k.type, "type"));
  if (type < 0) throw EncodeError("unknown group type");
  g.type = uint8_t(type);
  g.groupId = uint32_t(ReqUint(o, k.groupId, "groupId", 32));
  Napi::Value bv = Get(o, k.buckets);
  if (!bv.IsUndefined()) {
    if (!bv.IsArray()) throw EncodeError("buckets must be an array");
    Napi::Array arr = bv.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value b = arr.Get(i);
      if (!b.IsObject()) throw EncodeError("bucket must be an object");
      Napi::Object bo = b.As<Napi::Object>();
      Bucket bucket;
      bucket.weight = uint16_t(OptUint(bo, k.weight, "weight", 16, 0));
      bucket.watchPort = uint32_t(OptUint(bo, k.watchPort, "watchPort", 32, OFPP_ANY));
      bucket.watchGroup = uint32_t(OptUint(bo, k.watchGroup, "watchGroup", 32, OFPG_ANY));
      bucket.actions = ActionsFromJs(k, Get(bo, k.actions));
      g.buckets.push_back(std::move(bucket));
    }
  }
  return g;
}

Napi::Array BucketsToJs(Napi::Env env, const std::vector<Bucket>& buckets) {
  Napi::Array arr = Napi::Array::New(env, buckets.size());
  for (size_t i = 0; i < buckets.size(); ++i) {
    const Bucket& b = buckets[i];
    Napi::Object o = Napi::Object::New(env);
    if (b.weight) o.Set("weight", double(b.weight));
    if (b.watchPort != OFPP_ANY) o.Set("watchPort", double(b.watchPort));
    if (b.watchGroup != OFPG_ANY) o.Set("watchGroup", double(b.watchGroup));
    o.Set("actions", ActionsToJs(env, b.actions));
    arr.Set(uint32_t(i), o);
  }
  return arr;
}

Napi::Object GroupModToJs(Napi::Env env, const GroupMod& g) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("command", g.command < 3 ? kGroupCommands[g.command] : "unknown");
  o.Set("type", GroupTypeName(g.type));
  o.Set("groupId", double(g.groupId));
  o.Set("buckets", BucketsToJs(env, g.buckets));
  return o;
}

Napi::Object FlowStatsToJs(Napi::Env env, const FlowStats& f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("tableId", double(f.tableId));
  o.Set("priority", double(f.priority));
  o.Set("cookie", U64ToJs(env, f.cookie));
  o.Set("idleTimeout", double(f.idleTimeout));
  o.Set("hardTimeout", double(f.hardTimeout));
  o.Set("flags", double(f.flags));
  o.Set("packetCount", U64ToJs(env, f.packetCount));
  o.Set("byteCount", U64ToJs(env, f.byteCount));
  o.Set("durationSec", double(f.durationSec));
  o.Set("match", MatchToJs(env, f.match));
  o.Set("instructions", InstructionsToJs(env, f.instructions));
  return o;
}

Napi::Object GroupDescToJs(Napi::Env env, const GroupDesc& g) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", GroupTypeName(g.type));
  o.Set("groupId", double(g.groupId));
  o.Set("buckets", BucketsToJs(env, g.buckets));
  return o;
}

FlowStatsRequest FlowStatsRequestFromJs(const JsKeys& k, const Napi::Value& v) {
  FlowStatsRequest q;
  if (v.IsUndefined() || v.IsNull()) return q;
  if (!v.IsObject()) throw EncodeError("flow stats filter must be an object");
  Napi::Object o = v.As<Napi::Object>();
  q.tableId = uint8_t(OptUint(o, k.tableId, "tableId", 8, OFPTT_ALL));
  q.outPort = uint32_t(OptUint(o, k.outPort, "outPort", 32, OFPP_ANY));
  q.outGroup = uint32_t(OptUint(o, k.outGroup, "outGroup", 32, OFPG_ANY));
  q.cookie = OptUint(o, k.cookie, "cookie", 64, 0);
  // A cookie filter without a mask means "exactly this cookie".
  q.cookieMask = OptUint(o, k.cookieMask, "cookieMask", 64, Get(o, k.cookie).IsUndefined() ? 0 : ~uint64_t(0));
  q.match = MatchFromJs(Get(o, k.match));
  return q;
}

}  // namespace netplugin::of
