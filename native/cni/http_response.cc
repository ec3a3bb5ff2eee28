#include "cni/http_response.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace npcni {

namespace {

// A chunk-size line is hex digits and optional extensions; nothing legitimate is longer.
constexpr size_t kMaxChunkSizeLine = 1024;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

ResponseParser::ResponseParser(size_t max_head, size_t max_body) : max_head_(max_head), max_body_(max_body) {}

ResponseParser::Status ResponseParser::Fail(Status s, std::string why) {
  phase_ = Phase::kFailed;
  result_ = s;
  error_ = std::move(why);
  return s;
}

ResponseParser::Status ResponseParser::AppendBody(const char* p, size_t n) {
  if (n > max_body_ - body_.size()) {
    return Fail(kTooLarge, "the agent's answer body is larger than " + std::to_string(max_body_) + " bytes");
  }
  body_.append(p, n);
  return kNeedMore;
}

ResponseParser::Status ResponseParser::ParseHead() {
  std::string_view head(head_);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.1 200": the three digits after the first space are the status.
  size_t sp = status_line.find(' ');
  if (status_line.substr(0, 5) != "HTTP/" || sp == std::string_view::npos || sp + 4 > status_line.size()) {
    return Fail(kNotHttp, "the agent's answer is not HTTP");
  }
  int st = 0;
  for (size_t i = sp + 1; i < sp + 4; i++) {
    if (status_line[i] < '0' || status_line[i] > '9') return Fail(kNotHttp, "the agent's answer is not HTTP");
    st = st * 10 + (status_line[i] - '0');
  }
  status_code_ = st;
  long long content_length = -1;
  bool chunked = false;
  size_t at = eol == std::string_view::npos ? head.size() : eol + 2;
  while (at < head.size()) {
    size_t next = head.find("\r\n", at);
    std::string_view line = head.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        // Digits only, and at most 19 of them so strtoll cannot overflow.
        if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string_view::npos) {
          return Fail(kMalformed, "the agent's answer has a malformed Content-Length");
        }
        content_length = std::strtoll(std::string(value).c_str(), nullptr, 10);
      } else if (IEquals(name, "transfer-encoding") && value.find("chunked") != std::string_view::npos) {
        chunked = true;
      }
    }
    if (next == std::string_view::npos) break;
    at = next + 2;
  }
  head_.clear();
  head_.shrink_to_fit();
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (content_length >= 0) {
    if (static_cast<unsigned long long>(content_length) > max_body_) {
      return Fail(kTooLarge, "the agent's answer body is larger than " + std::to_string(max_body_) + " bytes (Content-Length " +
                                 std::to_string(content_length) + ")");
    }
    remaining_ = static_cast<unsigned long long>(content_length);
    phase_ = remaining_ == 0 ? Phase::kDone : Phase::kLength;
  } else {
    phase_ = Phase::kUntilClose;
  }
  return kNeedMore;
}

bool ResponseParser::TakeLine(const char*& p, const char* end, size_t max_line, const char* what, size_t cap,
                              Status* failed) {
  const char* nl = std::find(p, end, '\n');
  size_t take = static_cast<size_t>(nl - p);
  // Checked before the line's end is looked at, so the outcome is the same however the
  // bytes were cut into reads.
  if (line_.size() + take > max_line) {
    *failed = Fail(kTooLarge, std::string(what) + " larger than " + std::to_string(cap) + " bytes");
    return false;
  }
  line_.append(p, take);
  if (nl == end) {
    p = end;
    return false;
  }
  p = nl + 1;
  if (line_.empty() || line_.back() != '\r') {
    *failed = Fail(kMalformed, "malformed chunked body from the agent (a line without CRLF)");
    return false;
  }
  line_.pop_back();
  return true;
}

ResponseParser::Status ResponseParser::ParseChunkSize() {
  std::string_view size_line(line_);
  size_t semi = size_line.find(';');
  if (semi != std::string_view::npos) size_line = size_line.substr(0, semi);
  size_line = Trim(size_line);
  if (size_line.empty()) return Fail(kMalformed, "malformed chunked body from the agent (empty chunk size)");
  unsigned long long n = 0;
  for (char c : size_line) {
    int d = HexDigit(c);
    if (d < 0) return Fail(kMalformed, "malformed chunked body from the agent (chunk size is not hex)");
    n = n * 16 + static_cast<unsigned>(d);
    // Checked per digit: n never exceeds the cap by more than 16x, so it cannot overflow.
    if (n > max_body_ - body_.size()) {
      return Fail(kTooLarge, "the agent's answer body is larger than " + std::to_string(max_body_) + " bytes");
    }
  }
  line_.clear();
  if (n == 0) {
    phase_ = Phase::kTrailers;
  } else {
    remaining_ = n;
    phase_ = Phase::kChunkData;
  }
  return kNeedMore;
}

ResponseParser::Status ResponseParser::Feed(const char* data, size_t n) {
  const char* p = data;
  const char* end = data + n;
  while (p < end) {
    switch (phase_) {
      case Phase::kDone:
        result_ = kComplete;
        return result_;
      case Phase::kFailed:
        return result_;
      case Phase::kHead: {
        size_t before = head_.size();
        size_t from = before >= 3 ? before - 3 : 0;
        // The head plus its blank line may take max_head_ + 4 bytes; never hold more.
        size_t take = std::min(static_cast<size_t>(end - p), max_head_ + 4 - before);
        head_.append(p, take);
        size_t prefix = std::min<size_t>(head_.size(), 5);
        if (head_.compare(0, prefix, std::string_view("HTTP/").substr(0, prefix)) != 0) {
          return Fail(kNotHttp, "the agent's answer is not HTTP");
        }
        size_t blank = head_.find("\r\n\r\n", from);
        if (blank == std::string::npos) {
          if (head_.size() >= max_head_ + 4) {
            return Fail(kTooLarge, "the agent's answer head is larger than " + std::to_string(max_head_) + " bytes");
          }
          p += take;
          break;
        }
        p += blank + 4 - before;
        head_.resize(blank);
        if (ParseHead() != kNeedMore) return result_;
        break;
      }
      case Phase::kLength: {
        size_t take = static_cast<size_t>(std::min<unsigned long long>(remaining_, static_cast<size_t>(end - p)));
        if (AppendBody(p, take) != kNeedMore) return result_;
        p += take;
        remaining_ -= take;
        if (remaining_ == 0) phase_ = Phase::kDone;
        break;
      }
      case Phase::kUntilClose: {
        if (AppendBody(p, static_cast<size_t>(end - p)) != kNeedMore) return result_;
        p = end;
        break;
      }
      case Phase::kChunkSize: {
        Status failed = kNeedMore;
        if (TakeLine(p, end, kMaxChunkSizeLine, "a chunk-size line of the agent's answer is", kMaxChunkSizeLine,
                     &failed)) {
          if (ParseChunkSize() != kNeedMore) return result_;
        } else if (failed != kNeedMore) {
          return failed;
        }
        break;
      }
      case Phase::kChunkData: {
        size_t take = static_cast<size_t>(std::min<unsigned long long>(remaining_, static_cast<size_t>(end - p)));
        if (AppendBody(p, take) != kNeedMore) return result_;
        p += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          phase_ = Phase::kChunkDataEnd;
          crlf_seen_ = 0;
        }
        break;
      }
      case Phase::kChunkDataEnd: {
        char want = crlf_seen_ == 0 ? '\r' : '\n';
        if (*p != want) return Fail(kMalformed, "malformed chunked body from the agent (chunk data not followed by CRLF)");
        p++;
        if (++crlf_seen_ == 2) phase_ = Phase::kChunkSize;
        break;
      }
      case Phase::kTrailers: {
        // All trailer lines share one budget of max_head_ bytes.
        Status failed = kNeedMore;
        size_t budget = trailer_bytes_ >= max_head_ ? 0 : max_head_ - trailer_bytes_;
        bool line = TakeLine(p, end, budget, "the agent's answer trailers are", max_head_, &failed);
        if (failed != kNeedMore) return failed;
        if (line) {
          trailer_bytes_ += line_.size() + 2;
          if (line_.empty()) phase_ = Phase::kDone;
          line_.clear();
        }
        break;
      }
    }
  }
  if (phase_ == Phase::kDone) result_ = kComplete;
  return result_;
}

ResponseParser::Status ResponseParser::Finish() {
  if (phase_ == Phase::kDone || phase_ == Phase::kFailed) return result_;
  if (phase_ == Phase::kUntilClose) {
    phase_ = Phase::kDone;
    result_ = kComplete;
    return result_;
  }
  return Fail(kMalformed, "the agent closed the connection before a complete answer");
}

}  // namespace npcni
