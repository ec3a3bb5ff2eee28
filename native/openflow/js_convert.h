// JS object <-> codec struct conversions for the shapes declared in src/datapath/ovs/openflow/types.ts.
#pragma once
#include <napi.h>

#include "openflow/flow_mod.h"
#include "openflow/flow_stats.h"
#include "openflow/group_desc.h"
#include "openflow/group_mod.h"
#include "openflow/js_keys.h"
#include "openflow/meter_config.h"
#include "openflow/meter_mod.h"
#include "openflow/meter_stats.h"
#include "openflow/packet_in.h"
#include "openflow/packet_out.h"

namespace netplugin::of {

// Match object (camelCase OXM names, optional `<name>Mask`) to OXM TLVs in OVS's order.
Match MatchFromJs(const Napi::Value& v);
// OXM TLVs to a Match object; full masks are dropped, unknown fields appear as `oxm_<class>_<field>` hex.
Napi::Object MatchToJs(Napi::Env env, const Match& m);
// One exact-value TLV for set_field.
OxmTlv SetFieldTlvFromJs(const std::string& field, const Napi::Value& value);

// Action list from/to JS.
std::vector<Action> ActionsFromJs(const JsKeys& k, const Napi::Value& v);
Napi::Array ActionsToJs(Napi::Env env, const std::vector<Action>& actions);
// The members of a {type: 'ct'} action from/to JS (types.ts `Action` and `CtNat`).
Conntrack ConntrackFromJs(const JsKeys& k, const Napi::Object& o);
void ConntrackToJs(Napi::Env env, const Conntrack& ct, Napi::Object& o);
// Instruction list from/to JS.
std::vector<Instruction> InstructionsFromJs(const JsKeys& k, const Napi::Value& v);
Napi::Array InstructionsToJs(Napi::Env env, const std::vector<Instruction>& ins);

// FlowMod object from/to JS.
FlowMod FlowModFromJs(const JsKeys& k, const Napi::Value& v);
Napi::Object FlowModToJs(Napi::Env env, const FlowMod& m);
// GroupMod object (and buckets) from/to JS.
GroupMod GroupModFromJs(const JsKeys& k, const Napi::Value& v);
Napi::Object GroupModToJs(Napi::Env env, const GroupMod& g);
Napi::Array BucketsToJs(Napi::Env env, const std::vector<Bucket>& buckets);
// Flow-stats and group-desc entries to JS.
Napi::Object FlowStatsToJs(Napi::Env env, const FlowStats& f);
Napi::Object GroupDescToJs(Napi::Env env, const GroupDesc& g);
// Flow-stats request filter from JS ({tableId?, outPort?, outGroup?, cookie?, cookieMask?, match?}).
FlowStatsRequest FlowStatsRequestFromJs(const JsKeys& k, const Napi::Value& v);

// MeterMod object from/to JS (types.ts `MeterMod`).
MeterMod MeterModFromJs(const JsKeys& k, const Napi::Value& v);
Napi::Object MeterModToJs(Napi::Env env, const MeterMod& m);
// Meter bands from/to JS (types.ts `MeterBand`); `what` names the list in errors, e.g. "meterMod.bands".
std::vector<MeterBand> MeterBandsFromJs(const JsKeys& k, const Napi::Value& v, const std::string& what);
Napi::Array MeterBandsToJs(Napi::Env env, const std::vector<MeterBand>& bands);
// Meter-stats and meter-config reply entries from/to JS (types.ts `MeterStats`, `MeterConfig`); `what` names the list.
std::vector<MeterStats> MeterStatsListFromJs(const JsKeys& k, const Napi::Value& v, const std::string& what);
Napi::Object MeterStatsToJs(Napi::Env env, const MeterStats& m);
std::vector<MeterConfig> MeterConfigListFromJs(const JsKeys& k, const Napi::Value& v, const std::string& what);
Napi::Object MeterConfigToJs(Napi::Env env, const MeterConfig& m);
// PacketIn to JS (types.ts `PacketIn`); the frame is copied out of the message.
Napi::Object PacketInToJs(Napi::Env env, const PacketIn& p);
// PacketOut object from/to JS (types.ts `PacketOut`; `bufferId` appears only when not OFP_NO_BUFFER).
PacketOut PacketOutFromJs(const JsKeys& k, const Napi::Value& v);
Napi::Object PacketOutToJs(Napi::Env env, const PacketOut& p);

// Group type names used in JS ('all' | 'select' | 'indirect' | 'ff').
const char* GroupTypeName(uint8_t type);

}  // namespace netplugin::of
