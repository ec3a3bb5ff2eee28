#pragma once
#include <napi.h>
namespace netplugin::openflow {
// Builds the `openflow` export object (codec functions and the Connection class).
Napi::Object Init(Napi::Env env);
}
