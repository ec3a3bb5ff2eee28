#include "netlink/decoded.h"

#include "netlink/js.h"
#include "netlink/rtnl_addr.h"
#include "netlink/rtnl_fdb.h"
#include "netlink/rtnl_link.h"
#include "netlink/rtnl_route.h"

namespace netplugin::nl {

Decoded DecodeOne(const struct nlmsghdr* h) {
  Decoded d;
  d.type = h->nlmsg_type;
  d.flags = h->nlmsg_flags;
  if (DecodeLink(h, &d.link)) d.kind = Decoded::Kind::Link;
  else if (DecodeAddr(h, &d.addr)) d.kind = Decoded::Kind::Addr;
  else if (DecodeRoute(h, &d.route)) d.kind = Decoded::Kind::Route;
  else if (DecodeFdb(h, &d.fdb)) d.kind = Decoded::Kind::Fdb;
  return d;
}

Napi::Object DecodedToJs(Napi::Env env, const Decoded& d) {
  Napi::Object e = Napi::Object::New(env);
  e.Set("type", d.type);
  e.Set("flags", d.flags);
  switch (d.kind) {
    case Decoded::Kind::Link:
      e.Set("kind", "link");
      e.Set("value", LinkToJs(env, d.link));
      break;
    case Decoded::Kind::Addr:
      e.Set("kind", "addr");
      e.Set("value", AddrToJs(env, d.addr));
      break;
    case Decoded::Kind::Route: {
      e.Set("kind", "route");
      Napi::Object v = RouteToJs(env, d.route);
      v.Set("oif", d.route.oif);
      v.Set("type", d.route.type);
      v.Set("family", d.route.family);
      e.Set("value", v);
      break;
    }
    case Decoded::Kind::Fdb: {
      e.Set("kind", "fdb");
      Napi::Object v = FdbToJs(env, d.fdb);
      v.Set("index", d.fdb.index);
      e.Set("value", v);
      break;
    }
    case Decoded::Kind::None:
      e.Set("kind", "other");
      break;
  }
  return e;
}

}  // namespace netplugin::nl
