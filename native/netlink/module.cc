// np_netlink module entry; rtnetlink and ethtool register their exports here.
#include <napi.h>

#include "netlink/batch.h"
#include "netlink/codec_js.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  netplugin::nl::InitBatch(env, exports);
  netplugin::nl::InitCodec(env, exports);
  return exports;
}

NODE_API_MODULE(np_netlink, Init)
