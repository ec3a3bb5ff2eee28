#include "cni/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace npcni {

namespace {

long long NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Milliseconds left before `deadline`, never negative (poll's timeout argument).
int Left(long long deadline) {
  long long d = deadline - NowMs();
  return d < 0 ? 0 : static_cast<int>(d);
}

std::string Errno(const char* what, const std::string& socket_path, int err) {
  return std::string(what) + " " + socket_path + ": " + strerror(err);
}

// Closes the fd on every return path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

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

// The parts of a response head the relay needs.
struct Head {
  bool parsed = false;
  size_t body_at = 0;
  int status = 0;
  long long content_length = -1;
  bool chunked = false;
};

// Parses the status line and headers once they are all in `in`. False on garbage.
bool ParseHead(const std::string& in, Head* h) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return true;  // not yet complete
  std::string_view head(in.data(), end);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12) return false;
  size_t sp = status_line.find(' ');
  if (sp == std::string_view::npos || sp + 4 > status_line.size()) return false;
  int st = 0;
  for (size_t i = sp + 1; i < sp + 4; i++) {
    if (status_line[i] < '0' || status_line[i] > '9') return false;
    st = st * 10 + (status_line[i] - '0');
  }
  h->status = st;
  size_t at = eol == std::string_view::npos ? head.size() : eol + 2;
  while (at < head.size()) {
    size_t next = head.find("\r\n", at);
    std::string_view line = head.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view name = Trim(line.substr(0, colon));
      std::string_view value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        std::string v(value);
        char* e = nullptr;
        long long n = std::strtoll(v.c_str(), &e, 10);
        if (v.empty() || *e != '\0' || n < 0) return false;
        h->content_length = n;
      } else if (IEquals(name, "transfer-encoding") && value.find("chunked") != std::string_view::npos) {
        h->chunked = true;
      }
    }
    if (next == std::string_view::npos) break;
    at = next + 2;
  }
  h->parsed = true;
  h->body_at = end + 4;
  return true;
}

// Decodes a chunked body. Returns 1 when complete (into `out`), 0 when more bytes are
// needed, -1 on malformed framing.
int Dechunk(std::string_view in, std::string* out) {
  out->clear();
  size_t at = 0;
  for (;;) {
    size_t eol = in.find("\r\n", at);
    if (eol == std::string_view::npos) return 0;
    std::string_view size_line = in.substr(at, eol - at);
    size_t semi = size_line.find(';');
    if (semi != std::string_view::npos) size_line = size_line.substr(0, semi);
    size_line = Trim(size_line);
    if (size_line.empty() || size_line.size() > 12) return -1;
    unsigned long long n = 0;
    for (char c : size_line) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return -1;
      n = n * 16 + static_cast<unsigned>(d);
    }
    at = eol + 2;
    if (n == 0) {
      // Optional trailers, then an empty line.
      if (in.substr(at, 2) == "\r\n") return 1;
      return in.find("\r\n\r\n", at) == std::string_view::npos ? 0 : 1;
    }
    if (in.size() < at + n + 2) return 0;
    out->append(in.data() + at, n);
    if (in.substr(at + n, 2) != "\r\n") return -1;
    at += n + 2;
  }
}

}  // namespace

RelayResult PostUnix(const std::string& socket_path, const std::string& path, const std::string& body, int timeout_ms) {
  RelayResult r;
  const long long deadline = NowMs() + timeout_ms;

  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    r.kind = RelayResult::kUnreachable;
    r.detail = "agent socket path is empty or longer than " + std::to_string(sizeof(addr.sun_path) - 1) + " bytes: " + socket_path;
    return r;
  }
  memcpy(addr.sun_path, socket_path.data(), socket_path.size());

  Fd s;
  s.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (s.fd < 0) {
    r.kind = RelayResult::kUnreachable;
    r.detail = Errno("socket for", socket_path, errno);
    return r;
  }
  // A unix connect either succeeds at once or fails; EAGAIN means the agent's accept
  // backlog is full, which is worth waiting out (a burst of pod starts).
  for (;;) {
    if (connect(s.fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0) break;
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN && Left(deadline) > 0) {
      poll(nullptr, 0, 5);
      continue;
    }
    r.kind = err == EAGAIN ? RelayResult::kTimeout : RelayResult::kUnreachable;
    r.detail = Errno("connect", socket_path, err);
    return r;
  }

  std::string req;
  req.reserve(body.size() + 160);
  req += "POST ";
  req += path;
  req += " HTTP/1.1\r\nHost: netagent\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ";
  req += std::to_string(body.size());
  req += "\r\n\r\n";
  req += body;

  size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = send(s.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {s.fd, POLLOUT, 0};
      int left = Left(deadline);
      if (left == 0 || poll(&p, 1, left) == 0) {
        r.kind = RelayResult::kTimeout;
        r.detail = "timed out sending the request to " + socket_path;
        return r;
      }
      continue;
    }
    r.kind = RelayResult::kBadResponse;
    r.detail = Errno("send to", socket_path, errno);
    return r;
  }

  std::string in;
  Head head;
  char buf[16384];
  for (;;) {
    ssize_t n = recv(s.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      in.append(buf, static_cast<size_t>(n));
      if (!head.parsed && !ParseHead(in, &head)) {
        r.kind = RelayResult::kBadResponse;
        r.detail = "the agent's answer is not HTTP";
        return r;
      }
      if (head.parsed) {
        std::string_view rest(in.data() + head.body_at, in.size() - head.body_at);
        if (head.chunked) {
          int c = Dechunk(rest, &r.body);
          if (c < 0) {
            r.kind = RelayResult::kBadResponse;
            r.detail = "malformed chunked body from the agent";
            return r;
          }
          if (c == 1) break;
        } else if (head.content_length >= 0 && rest.size() >= static_cast<size_t>(head.content_length)) {
          r.body.assign(rest.data(), static_cast<size_t>(head.content_length));
          break;
        }
      }
      continue;
    }
    if (n == 0) {
      // Connection closed: complete only for a body delimited by the close itself.
      if (head.parsed && !head.chunked && head.content_length < 0) {
        r.body.assign(in.data() + head.body_at, in.size() - head.body_at);
        break;
      }
      r.kind = RelayResult::kBadResponse;
      r.detail = "the agent closed the connection before a complete answer";
      return r;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      struct pollfd p = {s.fd, POLLIN, 0};
      int left = Left(deadline);
      if (left == 0 || poll(&p, 1, left) == 0) {
        r.kind = RelayResult::kTimeout;
        r.detail = "no answer from the agent at " + socket_path + " within " + std::to_string(timeout_ms) + " ms";
        return r;
      }
      continue;
    }
    r.kind = RelayResult::kBadResponse;
    r.detail = Errno("recv from", socket_path, errno);
    return r;
  }
  r.kind = RelayResult::kOk;
  r.status = head.status;
  return r;
}

}  // namespace npcni
