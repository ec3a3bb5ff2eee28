// runBatch(ops): runs a list of operations on one libuv worker and resolves per-op results.
#pragma once
#include <napi.h>

namespace netplugin::nl {

// Registers `runBatch` and `threadNetnsInode` on the module exports.
void InitBatch(Napi::Env env, Napi::Object exports);

}  // namespace netplugin::nl
