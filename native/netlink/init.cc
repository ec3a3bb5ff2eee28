#include "netlink/init.h"
namespace netplugin::netlink {
Napi::Object Init(Napi::Env env) { return Napi::Object::New(env); }
}
