#include "openflow/init.h"
namespace netplugin::openflow {
Napi::Object Init(Napi::Env env) { return Napi::Object::New(env); }
}
