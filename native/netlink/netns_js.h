// JS binding of the namespace-file check: checkNetns(path) -> Promise<{dev, ino}>.
#pragma once
#include <napi.h>

namespace netplugin::nl {

// Registers checkNetns on the module exports.
void InitNetns(Napi::Env env, Napi::Object exports);

}  // namespace netplugin::nl
