// np_netlink module entry: the Session transport and the pure codec functions.
#include <napi.h>

#include "netlink/codec_js.h"
#include "netlink/netns_js.h"
#include "netlink/session.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  netplugin::nl::Session::Init(env, exports);
  netplugin::nl::InitCodec(env, exports);
  netplugin::nl::InitNetns(env, exports);
  return exports;
}

NODE_API_MODULE(np_netlink, Init)
