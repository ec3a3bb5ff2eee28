#include "common/errors.h"

#include <cstring>

namespace netplugin {

NativeFailure SyscallFailure(const std::string& syscall, int err, const std::string& what) {
  NativeFailure f;
  f.code = "NP_NATIVE_SYSCALL";
  f.err = err;
  f.syscall = syscall;
  f.message = syscall + ": " + std::strerror(err) + (what.empty() ? "" : " (" + what + ")");
  return f;
}

Napi::Error ToJsError(Napi::Env env, const NativeFailure& f) {
  std::string msg = f.message;
  if (!f.extack.empty()) msg += ": " + f.extack;
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, f.code));
  if (f.err != 0) e.Set("errno", Napi::Number::New(env, f.err));
  if (!f.syscall.empty()) e.Set("syscall", Napi::String::New(env, f.syscall));
  if (!f.extack.empty()) e.Set("extack", Napi::String::New(env, f.extack));
  return e;
}

}  // namespace netplugin
