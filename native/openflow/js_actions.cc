// Action and instruction conversions.
#include <cstdio>

#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

namespace {
// Field names in `move` may also be raw headers ("0x80000806") for fields without a name.
uint32_t MoveHeaderFromJs(const std::string& name, unsigned* widthBits) {
  if (name.rfind("0x", 0) == 0) {
    uint32_t h = uint32_t(std::stoul(name, nullptr, 16));
    *widthBits = (h & 0xff) * 8;
    return h;
  }
  const FieldInfo* f = FieldByName(name);
  if (!f) throw EncodeError("unknown move field '" + name + "'");
  *widthBits = f->width * 8;
  return OxmHeader(f->moveClass, f->moveField, false, f->width);
}

Napi::Value MoveHeaderToJs(Napi::Env env, uint32_t h) {
  const FieldInfo* f = FieldByHeader(uint16_t(h >> 16), uint8_t((h >> 9) & 0x7f));
  if (f && f->width == (h & 0xff)) return Napi::String::New(env, f->name);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", h);
  return Napi::String::New(env, buf);
}

Action ActionFromJs(const JsKeys& k, const Napi::Value& v) {
  if (!v.IsObject()) throw EncodeError("action must be an object");
  Napi::Object o = v.As<Napi::Object>();
  std::string type = StrProp(o, k.type, "type");
  Action a;
  if (type == "output") {
    a.type = OFPAT_OUTPUT;
    a.port = uint32_t(ReqUint(o, k.port, "port", 32));
    a.maxLen = uint16_t(OptUint(o, k.maxLen, "maxLen", 16, 0));
  } else if (type == "group") {
    a.type = OFPAT_GROUP;
    a.groupId = uint32_t(ReqUint(o, k.groupId, "groupId", 32));
  } else if (type == "setField") {
    a.type = OFPAT_SET_FIELD;
    a.field = SetFieldTlvFromJs(StrProp(o, k.field, "field"), Get(o, k.value));
  } else if (type == "pushVlan") {
    a.type = OFPAT_PUSH_VLAN;
    a.ethertype = uint16_t(OptUint(o, k.ethertype, "ethertype", 16, 0x8100));
  } else if (type == "popVlan") {
    a.type = OFPAT_POP_VLAN;
  } else if (type == "decNwTtl") {
    a.type = OFPAT_DEC_NW_TTL;
  } else if (type == "setQueue") {
    a.type = OFPAT_SET_QUEUE;
    a.queueId = uint32_t(ReqUint(o, k.queueId, "queueId", 32));
  } else if (type == "move") {
    a.type = OFPAT_EXPERIMENTER;
    a.isRegMove = true;
    unsigned srcBits = 0, dstBits = 0;
    a.srcHeader = MoveHeaderFromJs(StrProp(o, k.src, "src"), &srcBits);
    a.dstHeader = MoveHeaderFromJs(StrProp(o, k.dst, "dst"), &dstBits);
    a.srcOfs = uint16_t(OptUint(o, k.srcOfs, "srcOfs", 16, 0));
    a.dstOfs = uint16_t(OptUint(o, k.dstOfs, "dstOfs", 16, 0));
    a.nBits = uint16_t(OptUint(o, k.nBits, "nBits", 16, srcBits));
    if (a.nBits == 0 || a.srcOfs + a.nBits > srcBits || a.dstOfs + a.nBits > dstBits)
      throw EncodeError("move bit range exceeds a field");
  } else if (type == "conjunction") {
    a.type = OFPAT_EXPERIMENTER;
    a.isConjunction = true;
    a.conjId = uint32_t(ReqUint(o, k.id, "id", 32));
    uint64_t n = ReqUint(o, k.nClauses, "nClauses", 8);
    uint64_t clause = ReqUint(o, k.clause, "clause", 8);
    if (n < CONJUNCTION_MIN_CLAUSES || n > CONJUNCTION_MAX_CLAUSES)
      throw EncodeError("conjunction.nClauses: " + std::to_string(n) + " is outside 2..64 (vswitchd refuses it)");
    if (clause < 1 || clause > n)
      throw EncodeError("conjunction.clause: " + std::to_string(clause) + " is outside 1..nClauses (" + std::to_string(n) + ")");
    a.nClauses = uint8_t(n);
    a.clause = uint8_t(clause - 1);
  } else if (type == "ct") {
    a.type = OFPAT_EXPERIMENTER;
    a.isCt = true;
    a.ct = ConntrackFromJs(k, o);
  } else if (type == "raw") {
    a.raw = FromHex(StrProp(o, k.hex, "hex"));
    if (a.raw.size() < 8 || a.raw.size() % 8) throw EncodeError("raw action must be a multiple of 8 bytes");
  } else {
    throw EncodeError("unknown action type '" + type + "'");
  }
  return a;
}

Napi::Object ActionToJs(Napi::Env env, const Action& a) {
  Napi::Object o = Napi::Object::New(env);
  if (!a.raw.empty()) {
    o.Set("type", "raw");
    o.Set("hex", Hex(a.raw.data(), a.raw.size()));
    return o;
  }
  switch (a.type) {
    case OFPAT_OUTPUT:
      o.Set("type", "output");
      o.Set("port", double(a.port));
      if (a.maxLen) o.Set("maxLen", double(a.maxLen));
      break;
    case OFPAT_GROUP:
      o.Set("type", "group");
      o.Set("groupId", double(a.groupId));
      break;
    case OFPAT_SET_FIELD: {
      o.Set("type", "setField");
      const FieldInfo* f = FieldByHeader(a.field.oxmClass, a.field.field);
      if (!f || f->width != a.field.length || a.field.hasMask) {
        // A field this codec cannot name: keep the exact bytes instead.
        std::vector<uint8_t> raw;
        Writer w(raw);
        Action copy = a;
        EncodeAction(w, copy);
        o.Set("type", "raw");
        o.Set("hex", Hex(raw.data(), raw.size()));
        break;
      }
      o.Set("field", f->name);
      o.Set("value", FieldBytesToJs(env, *f, a.field.value.data()));
      break;
    }
    case OFPAT_PUSH_VLAN:
      o.Set("type", "pushVlan");
      if (a.ethertype != 0x8100) o.Set("ethertype", double(a.ethertype));
      break;
    case OFPAT_POP_VLAN:
      o.Set("type", "popVlan");
      break;
    case OFPAT_DEC_NW_TTL:
      o.Set("type", "decNwTtl");
      break;
    case OFPAT_SET_QUEUE:
      o.Set("type", "setQueue");
      o.Set("queueId", double(a.queueId));
      break;
    case OFPAT_EXPERIMENTER:
      if (a.isCt) {
        o.Set("type", "ct");
        ConntrackToJs(env, a.ct, o);
        break;
      }
      if (a.isConjunction) {
        o.Set("type", "conjunction");
        o.Set("id", double(a.conjId));
        o.Set("clause", double(a.clause) + 1);
        o.Set("nClauses", double(a.nClauses));
        break;
      }
      if (a.isRegMove) {
        o.Set("type", "move");
        o.Set("src", MoveHeaderToJs(env, a.srcHeader));
        o.Set("dst", MoveHeaderToJs(env, a.dstHeader));
        if (a.nBits != (a.srcHeader & 0xff) * 8) o.Set("nBits", double(a.nBits));
        if (a.srcOfs) o.Set("srcOfs", double(a.srcOfs));
        if (a.dstOfs) o.Set("dstOfs", double(a.dstOfs));
        break;
      }
      [[fallthrough]];
    default: {
      std::vector<uint8_t> raw;
      Writer w(raw);
      w.u16(a.type);
      w.u16(8);
      w.u32(0);
      o.Set("type", "raw");
      o.Set("hex", Hex(raw.data(), raw.size()));
    }
  }
  return o;
}
}  // namespace

std::vector<Action> ActionsFromJs(const JsKeys& k, const Napi::Value& v) {
  std::vector<Action> out;
  if (v.IsUndefined()) return out;
  if (!v.IsArray()) throw EncodeError("actions must be an array");
  Napi::Array arr = v.As<Napi::Array>();
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out.push_back(ActionFromJs(k, arr.Get(i)));
  return out;
}

Napi::Array ActionsToJs(Napi::Env env, const std::vector<Action>& actions) {
  Napi::Array arr = Napi::Array::New(env, actions.size());
  for (size_t i = 0; i < actions.size(); ++i) arr.Set(uint32_t(i), ActionToJs(env, actions[i]));
  return arr;
}

std::vector<Instruction> InstructionsFromJs(const JsKeys& k, const Napi::Value& v) {
  std::vector<Instruction> out;
  if (v.IsUndefined()) return out;
  if (!v.IsArray()) throw EncodeError("instructions must be an array");
  Napi::Array arr = v.As<Napi::Array>();
  out.reserve(arr.Length());
  for (uint32_t n = 0; n < arr.Length(); ++n) {
    Napi::Value iv = arr.Get(n);
    if (!iv.IsObject()) throw EncodeError("instruction must be an object");
    Napi::Object o = iv.As<Napi::Object>();
    std::string type = StrProp(o, k.type, "type");
    Instruction i;
    if (type == "gotoTable") {
      i.type = OFPIT_GOTO_TABLE;
      i.tableId = uint8_t(ReqUint(o, k.tableId, "tableId", 8));
    } else if (type == "writeMetadata") {
      i.type = OFPIT_WRITE_METADATA;
      i.metadata = ReqUint(o, k.metadata, "metadata", 64);
      i.metadataMask = OptUint(o, k.mask, "mask", 64, ~uint64_t(0));
    } else if (type == "applyActions" || type == "writeActions") {
      i.type = type == "applyActions" ? OFPIT_APPLY_ACTIONS : OFPIT_WRITE_ACTIONS;
      i.actions = ActionsFromJs(k, Get(o, k.actions));
    } else if (type == "clearActions") {
      i.type = OFPIT_CLEAR_ACTIONS;
    } else if (type == "meter") {
      i.type = OFPIT_METER;
      i.meterId = uint32_t(ReqUint(o, k.meterId, "meterId", 32));
    } else if (type == "raw") {
      i.raw = FromHex(StrProp(o, k.hex, "hex"));
      if (i.raw.size() < 8 || i.raw.size() % 8) throw EncodeError("raw instruction must be a multiple of 8 bytes");
    } else {
      throw EncodeError("unknown instruction type '" + type + "'");
    }
    out.push_back(std::move(i));
  }
  return out;
}

Napi::Array InstructionsToJs(Napi::Env env, const std::vector<Instruction>& ins) {
  Napi::Array arr = Napi::Array::New(env, ins.size());
  for (size_t k = 0; k < ins.size(); ++k) {
    const Instruction& i = ins[k];
    Napi::Object o = Napi::Object::New(env);
    switch (i.type) {
      case OFPIT_GOTO_TABLE:
        o.Set("type", "gotoTable");
        o.Set("tableId", double(i.tableId));
        break;
      case OFPIT_WRITE_METADATA:
        o.Set("type", "writeMetadata");
        o.Set("metadata", U64ToJs(env, i.metadata));
        o.Set("mask", U64ToJs(env, i.metadataMask));
        break;
      case OFPIT_APPLY_ACTIONS:
      case OFPIT_WRITE_ACTIONS:
        o.Set("type", i.type == OFPIT_APPLY_ACTIONS ? "applyActions" : "writeActions");
        o.Set("actions", ActionsToJs(env, i.actions));
        break;
      case OFPIT_CLEAR_ACTIONS:
        o.Set("type", "clearActions");
        break;
      case OFPIT_METER:
        o.Set("type", "meter");
        o.Set("meterId", double(i.meterId));
        break;
      default:
        o.Set("type", "raw");
        o.Set("hex", Hex(i.raw.data(), i.raw.size()));
    }
    arr.Set(uint32_t(k), o);
  }
  return arr;
}

}  // namespace netplugin::of
