// Renders decoded netlink structs as the TypeScript shapes (JS thread only).
#pragma once
#include <napi.h>

#include "netlink/types.h"

namespace netplugin::nl {

// Renders a LinkInfo as the TypeScript LinkInfo shape.
Napi::Object LinkToJs(Napi::Env env, const LinkInfo& l);
// Renders an AddrInfo as the TypeScript AddrInfo shape.
Napi::Object AddrToJs(Napi::Env env, const AddrInfo& a);
// Renders a RouteInfo as the TypeScript RouteInfo shape (without oif/type/family).
Napi::Object RouteToJs(Napi::Env env, const RouteInfo& r);
// Renders an FdbInfo as the TypeScript FdbEntry shape.
Napi::Object FdbToJs(Napi::Env env, const FdbInfo& e);

}  // namespace netplugin::nl
