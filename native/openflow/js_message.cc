#include "openflow/js_message.h"

#include "openflow/bundle.h"
#include "openflow/error.h"
#include "openflow/features.h"
#include "openflow/js_convert.h"
#include "openflow/js_values.h"

namespace netplugin::of {

const char* MessageTypeName(uint8_t type) {
  switch (type) {
    case OFPT_HELLO: return "OFPT_HELLO";
    case OFPT_ERROR: return "OFPT_ERROR";
    case OFPT_ECHO_REQUEST: return "OFPT_ECHO_REQUEST";
    case OFPT_ECHO_REPLY: return "OFPT_ECHO_REPLY";
    case OFPT_EXPERIMENTER: return "OFPT_EXPERIMENTER";
    case OFPT_FEATURES_REQUEST: return "OFPT_FEATURES_REQUEST";
    case OFPT_FEATURES_REPLY: return "OFPT_FEATURES_REPLY";
    case OFPT_SET_CONFIG: return "OFPT_SET_CONFIG";
    case OFPT_PACKET_IN: return "OFPT_PACKET_IN";
    case OFPT_PACKET_OUT: return "OFPT_PACKET_OUT";
    case OFPT_FLOW_REMOVED: return "OFPT_FLOW_REMOVED";
    case OFPT_PORT_STATUS: return "OFPT_PORT_STATUS";
    case OFPT_FLOW_MOD: return "OFPT_FLOW_MOD";
    case OFPT_GROUP_MOD: return "OFPT_GROUP_MOD";
    case OFPT_MULTIPART_REQUEST: return "OFPT_MULTIPART_REQUEST";
    case OFPT_MULTIPART_REPLY: return "OFPT_MULTIPART_REPLY";
    case OFPT_BARRIER_REQUEST: return "OFPT_BARRIER_REQUEST";
    case OFPT_BARRIER_REPLY: return "OFPT_BARRIER_REPLY";
    case OFPT_METER_MOD: return "OFPT_METER_MOD";
    case OFPT_BUNDLE_CONTROL: return "OFPT_BUNDLE_CONTROL";
    case OFPT_BUNDLE_ADD_MESSAGE: return "OFPT_BUNDLE_ADD_MESSAGE";
    default: return "OFPT_UNKNOWN";
  }
}

namespace {
Napi::Buffer<uint8_t> Bytes(Napi::Env env, const uint8_t* p, size_t n) { return Napi::Buffer<uint8_t>::Copy(env, p, n); }

void DecodeBody(Napi::Env env, Napi::Object o, const Header& h, Reader body) {
  switch (h.type) {
    case OFPT_HELLO: {
      auto versions = DecodeHelloVersions(h, body);
      Napi::Array a = Napi::Array::New(env, versions.size());
      for (size_t i = 0; i < versions.size(); ++i) a.Set(uint32_t(i), double(versions[i]));
      o.Set("versions", a);
      break;
    }
    case OFPT_ERROR: {
      ErrorMsg e = DecodeError(body);
      o.Set("errorType", double(e.type));
      o.Set("errorCode", double(e.code));
      o.Set("errorName", ErrorName(e.type, e.code));
      if (e.type == OFPET_EXPERIMENTER) o.Set("experimenter", double(e.experimenter));
      o.Set("data", Bytes(env, e.data.data(), e.data.size()));
      // The data starts with the failing request; its header says which message failed.
      if (e.data.size() >= 8) {
        o.Set("failedType", double(e.data[1]));
        o.Set("failedXid", double(uint32_t(e.data[4]) << 24 | uint32_t(e.data[5]) << 16 | uint32_t(e.data[6]) << 8 | e.data[7]));
      }
      break;
    }
    case OFPT_ECHO_REQUEST:
    case OFPT_ECHO_REPLY:
      o.Set("data", Bytes(env, body.here(), body.remaining()));
      break;
    case OFPT_FEATURES_REPLY: {
      Features f = DecodeFeaturesReply(body);
      o.Set("datapathId", U64ToJs(env, f.datapathId));
      o.Set("nBuffers", double(f.nBuffers));
      o.Set("nTables", double(f.nTables));
      o.Set("auxiliaryId", double(f.auxiliaryId));
      o.Set("capabilities", double(f.capabilities));
      break;
    }
    case OFPT_FLOW_MOD:
      o.Set("flowMod", FlowModToJs(env, DecodeFlowMod(body)));
      break;
    case OFPT_GROUP_MOD:
      o.Set("groupMod", GroupModToJs(env, DecodeGroupMod(body)));
      break;
    case OFPT_METER_MOD:
      o.Set("meterMod", MeterModToJs(env, DecodeMeterMod(body)));
      break;
    case OFPT_PACKET_IN:
      o.Set("packetIn", PacketInToJs(env, DecodePacketIn(body)));
      break;
    case OFPT_PACKET_OUT:
      o.Set("packetOut", PacketOutToJs(env, DecodePacketOut(body)));
      break;
    case OFPT_MULTIPART_REQUEST:
    case OFPT_MULTIPART_REPLY: {
      uint16_t mpType = body.u16();
      uint16_t flags = body.u16();
      body.skip(4);
      o.Set("mpType", double(mpType));
      o.Set("flags", double(flags));
      o.Set("more", bool(flags & OFPMPF_REPLY_MORE));
      bool reply = h.type == OFPT_MULTIPART_REPLY;
      if (mpType == OFPMP_FLOW && !reply) {
        FlowStatsRequest q = DecodeFlowStatsRequest(body);
        Napi::Object f = Napi::Object::New(env);
        f.Set("tableId", double(q.tableId));
        f.Set("outPort", double(q.outPort));
        f.Set("outGroup", double(q.outGroup));
        f.Set("cookie", U64ToJs(env, q.cookie));
        f.Set("cookieMask", U64ToJs(env, q.cookieMask));
        f.Set("match", MatchToJs(env, q.match));
        o.Set("flowStatsRequest", f);
      } else if (mpType == OFPMP_FLOW) {
        auto flows = DecodeFlowStatsReply(body);
        Napi::Array a = Napi::Array::New(env, flows.size());
        for (size_t i = 0; i < flows.size(); ++i) a.Set(uint32_t(i), FlowStatsToJs(env, flows[i]));
        o.Set("flows", a);
      } else if (mpType == OFPMP_GROUP_DESC && reply) {
        auto groups = DecodeGroupDescReply(body);
        Napi::Array a = Napi::Array::New(env, groups.size());
        for (size_t i = 0; i < groups.size(); ++i) a.Set(uint32_t(i), GroupDescToJs(env, groups[i]));
        o.Set("groups", a);
      } else if ((mpType == OFPMP_METER || mpType == OFPMP_METER_CONFIG) && !reply) {
        Napi::Object q = Napi::Object::New(env);
        q.Set("meterId", double(DecodeMeterMultipartRequest(body)));
        o.Set("meterRequest", q);
      } else if (mpType == OFPMP_METER) {
        auto meters = DecodeMeterStatsReply(body);
        Napi::Array a = Napi::Array::New(env, meters.size());
        for (size_t i = 0; i < meters.size(); ++i) a.Set(uint32_t(i), MeterStatsToJs(env, meters[i]));
        o.Set("meterStats", a);
      } else if (mpType == OFPMP_METER_CONFIG) {
        auto meters = DecodeMeterConfigReply(body);
        Napi::Array a = Napi::Array::New(env, meters.size());
        for (size_t i = 0; i < meters.size(); ++i) a.Set(uint32_t(i), MeterConfigToJs(env, meters[i]));
        o.Set("meterConfigs", a);
      } else {
        o.Set("body", Bytes(env, body.here(), body.remaining()));
      }
      break;
    }
    case OFPT_BARRIER_REQUEST:
    case OFPT_BARRIER_REPLY:
    case OFPT_FEATURES_REQUEST:
      break;
    case OFPT_BUNDLE_CONTROL: {
      BundleCtrl c = DecodeBundleCtrl(body);
      o.Set("bundleId", double(c.bundleId));
      o.Set("bundleType", double(c.type));
      o.Set("bundleFlags", double(c.flags));
      break;
    }
    case OFPT_BUNDLE_ADD_MESSAGE: {
      uint32_t id = body.u32();
      body.skip(2);
      uint16_t flags = body.u16();
      o.Set("bundleId", double(id));
      o.Set("bundleFlags", double(flags));
      o.Set("message", DecodeMessageToJs(env, body.here(), body.remaining()));
      break;
    }
    default:
      o.Set("body", Bytes(env, body.here(), body.remaining()));
  }
}
}  // namespace

Napi::Object DecodeMessageToJs(Napi::Env env, const uint8_t* data, size_t n) {
  Reader r(data, n);
  Header h = ReadHeader(r, n);
  Napi::Object o = Napi::Object::New(env);
  o.Set("version", double(h.version));
  o.Set("type", double(h.type));
  o.Set("typeName", MessageTypeName(h.type));
  o.Set("xid", double(h.xid));
  o.Set("length", double(h.length));
  DecodeBody(env, o, h, Reader(data + 8, h.length - 8));
  return o;
}

}  // namespace netplugin::of
