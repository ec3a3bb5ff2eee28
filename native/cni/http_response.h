// Incremental parser of the agent's HTTP/1.1 response: fed bytes as they arrive, it keeps
// only the decoded body and refuses a head or body past its cap at once, so an agent that
// never stops sending cannot make the shim grow without bound.
#pragma once

#include <cstddef>
#include <string>

namespace npcni {

// Largest response head (status line + headers, and chunk trailers) the shim accepts.
constexpr size_t kMaxResponseHead = 64 * 1024;
// Largest decoded response body the shim accepts (an agent answer is a few KiB).
constexpr size_t kMaxResponseBody = 16 * 1024 * 1024;

// Parses one response (Content-Length, chunked, or delimited by the connection's close).
class ResponseParser {
 public:
  // Where the parser stands after a Feed or Finish.
  enum Status {
    kNeedMore,  // the response is not complete yet
    kComplete,  // status() and body() hold the whole response
    kNotHttp,   // the bytes are not an HTTP response
    kMalformed, // an HTTP response with broken framing (error() says which part)
    kTooLarge,  // head or body past its cap (error() names the cap)
  };

  ResponseParser(size_t max_head = kMaxResponseHead, size_t max_body = kMaxResponseBody);

  // Consumes `n` more bytes; bytes after a complete response are ignored.
  Status Feed(const char* data, size_t n);
  // The connection closed: completes a close-delimited body, anything else is kMalformed.
  Status Finish();

  int status() const { return status_code_; }
  const std::string& body() const { return body_; }
  // Moves the body out (the parser is done with it).
  std::string TakeBody() { return std::move(body_); }
  const std::string& error() const { return error_; }

 private:
  enum class Phase { kHead, kLength, kUntilClose, kChunkSize, kChunkData, kChunkDataEnd, kTrailers, kDone, kFailed };

  Status Fail(Status s, std::string why);
  Status ParseHead();
  Status AppendBody(const char* p, size_t n);
  // Collects bytes up to a CRLF into line_; true once the line is complete (CRLF dropped).
  // A line over `max_line` fails with kTooLarge: "<what> larger than <cap> bytes".
  bool TakeLine(const char*& p, const char* end, size_t max_line, const char* what, size_t cap, Status* failed);
  Status ParseChunkSize();

  size_t max_head_;
  size_t max_body_;
  Phase phase_ = Phase::kHead;
  Status result_ = kNeedMore;
  std::string head_;   // the head while it arrives
  std::string line_;   // a chunk-size or trailer line while it arrives
  size_t trailer_bytes_ = 0;
  unsigned long long remaining_ = 0;  // bytes left of a Content-Length body or of a chunk
  int crlf_seen_ = 0;                 // bytes of the CRLF after chunk data seen so far
  int status_code_ = 0;
  std::string body_;
  std::string error_;
};

}  // namespace npcni
