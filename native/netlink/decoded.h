// One received netlink message decoded by the rtnetlink decoders (pure), and its JS form.
#pragma once
#include <linux/netlink.h>
#include <napi.h>

#include <cstdint>

#include "netlink/types.h"

namespace netplugin::nl {

// What a message held: kind None for anything the rtnetlink decoders do not read.
struct Decoded {
  enum class Kind { None, Link, Addr, Route, Fdb };
  uint16_t type = 0;
  uint16_t flags = 0;
  Kind kind = Kind::None;
  LinkInfo link;
  AddrInfo addr;
  RouteInfo route;
  FdbInfo fdb;
};

// Runs the link, addr, route and fdb decoders over one message.
Decoded DecodeOne(const struct nlmsghdr* h);
// `{ type, flags, kind: 'link'|'addr'|'route'|'fdb'|'other', value? }` (JS thread only).
Napi::Object DecodedToJs(Napi::Env env, const Decoded& d);

}  // namespace netplugin::nl
