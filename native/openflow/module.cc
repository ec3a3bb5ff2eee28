// np_openflow module entry: the pure codec functions and the Connection transport.
#include <napi.h>

#include "openflow/codec_exports.h"
#include "openflow/connection.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  netplugin::of::InitCodec(env, exports);
  exports.Set("Connection", netplugin::of::Connection::Define(env));
  return exports;
}

NODE_API_MODULE(np_openflow, Init)
