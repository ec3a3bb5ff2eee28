// Helpers the Executor's operation files share (policy layer, worker thread only).
#pragma once
#include <string>
#include <vector>

#include "common/errors.h"
#include "netlink/socket.h"

namespace netplugin::nl {

// An NP_INVALID_ARGUMENT failure for a field the caller got wrong.
NativeFailure Invalid(const std::string& what);
// Adds which object a failure was about, so a batch's errors read on their own.
void About(NativeFailure* f, const std::string& what);
// True when the kernel said the object does not exist (ENODEV/ENOENT).
bool IsMissing(const NativeFailure& f);
// Resolves a link name to its index, failing with ENODEV when missing.
bool Resolve(Socket& s, const std::string& name, int* index, NativeFailure* f);
// Parses an optional MAC field ("" = leave `out` empty).
bool ParseMacField(const std::string& text, std::vector<uint8_t>* out, NativeFailure* f);

}  // namespace netplugin::nl
