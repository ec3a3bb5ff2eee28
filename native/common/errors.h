// How native failures reach JavaScript: an Error with a stable `code` from
// src/common/errors.ts, plus `errno`, `syscall` and (for netlink) the kernel's
// extended-ack text, so callers never parse message strings.
#pragma once
#include <napi.h>

#include <string>

namespace netplugin {

// Description of a failure captured on a worker thread, turned into a JS Error later
// (worker threads must not touch napi_env).
struct NativeFailure {
  std::string code;     // catalogue code, e.g. "NP_NETLINK"
  std::string message;  // human sentence
  int err = 0;          // errno value, 0 if none
  std::string syscall;  // failing system call or netlink request name
  std::string extack;   // kernel extended-ack message, if any
  bool failed() const { return !code.empty(); }
};

// Fills a failure from errno after a failed system call.
NativeFailure SyscallFailure(const std::string& syscall, int err, const std::string& what = "");

// Builds the JS Error object for a failure (on the JS thread).
Napi::Error ToJsError(Napi::Env env, const NativeFailure& f);

}  // namespace netplugin
