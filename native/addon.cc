// Module entry: each subsystem registers its own exports, so files stay one concern each.
#include <napi.h>

#include "openflow/init.h"
#include "netlink/init.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("openflow", netplugin::openflow::Init(env));
  exports.Set("netlink", netplugin::netlink::Init(env));
  return exports;
}

NODE_API_MODULE(netplugin_native, Init)
