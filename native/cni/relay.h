// One HTTP/1.1 POST over a unix socket, with a deadline: the shim's only I/O with the
// agent. Blocking calls are bounded by poll() so a stuck agent cannot hang the runtime.
#pragma once

#include <string>

namespace npcni {

// What came of one POST.
struct RelayResult {
  enum Kind {
    kOk,           // an HTTP response was read completely (any status)
    kUnreachable,  // no agent listening at the socket (connect failed)
    kTimeout,      // the agent did not answer before the deadline
    kBadResponse,  // the agent answered something that is not HTTP, closed early, or
                   // sent more than the caps in cni/http_response.h
  };
  Kind kind = kUnreachable;
  int status = 0;      // HTTP status when kOk
  std::string body;    // response body when kOk (chunked encoding already removed)
  std::string detail;  // human text for the failure kinds
};

// POSTs `body` (JSON) to `path` on the HTTP server listening at unix socket
// `socket_path`, waiting at most `timeout_ms` for the whole exchange (connect, send and
// receive together).
RelayResult PostUnix(const std::string& socket_path, const std::string& path, const std::string& body, int timeout_ms);

}  // namespace npcni
