// Conversions between JS objects and the addon's operation/result structs (JS thread only).
#pragma once
#include <napi.h>

#include "netlink/ops.h"

namespace netplugin::nl {

// Reads one NetlinkOp object; unknown/missing fields keep their defaults.
Op OpFromJs(const Napi::Object& o);
// Renders a LinkInfo as the TypeScript LinkInfo shape.
Napi::Object LinkToJs(Napi::Env env, const LinkInfo& l);
// Renders an AddrInfo as the TypeScript AddrInfo shape.
Napi::Object AddrToJs(Napi::Env env, const AddrInfo& a);
// Renders a RouteInfo as the TypeScript RouteInfo shape.
Napi::Object RouteToJs(Napi::Env env, const RouteInfo& r);
// Renders an FdbInfo as the TypeScript FdbEntry shape.
Napi::Object FdbToJs(Napi::Env env, const FdbInfo& e);
// Renders an outcome as `{ ok: true, value? }` or `{ ok: false, error }`.
Napi::Object OutcomeToJs(Napi::Env env, const OpOutcome& r);

}  // namespace netplugin::nl
