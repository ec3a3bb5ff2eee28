#include "cni/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "cni/http_response.h"

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
    if (Left(deadline) == 0) {
      r.kind = RelayResult::kTimeout;
      r.detail = "timed out connecting to " + socket_path + " (" + std::to_string(timeout_ms) + " ms)";
      return r;
    }
    if (connect(s.fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0) break;
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN) {
      poll(nullptr, 0, std::min(5, Left(deadline)));
      continue;
    }
    r.kind = RelayResult::kUnreachable;
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

  // Every turn of both loops checks the deadline first: a peer that trickles bytes (or
  // takes them one at a time) can keep each call short yet never finish.
  size_t sent = 0;
  while (sent < req.size()) {
    int left = Left(deadline);
    if (left == 0) {
      r.kind = RelayResult::kTimeout;
      r.detail = "timed out sending the request to " + socket_path + " (" + std::to_string(timeout_ms) + " ms)";
      return r;
    }
    ssize_t n = send(s.fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      struct pollfd p = {s.fd, POLLOUT, 0};
      poll(&p, 1, left);
      continue;
    }
    r.kind = RelayResult::kBadResponse;
    r.detail = Errno("send to", socket_path, errno);
    return r;
  }
  std::string().swap(req);

  ResponseParser parser;
  ResponseParser::Status st = ResponseParser::kNeedMore;
  char buf[16384];
  while (st == ResponseParser::kNeedMore) {
    int left = Left(deadline);
    if (left == 0) {
      r.kind = RelayResult::kTimeout;
      r.detail = "no answer from the agent at " + socket_path + " within " + std::to_string(timeout_ms) + " ms";
      return r;
    }
    ssize_t n = recv(s.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      st = parser.Feed(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      st = parser.Finish();
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      struct pollfd p = {s.fd, POLLIN, 0};
      poll(&p, 1, left);
    } else {
      r.kind = RelayResult::kBadResponse;
      r.detail = Errno("recv from", socket_path, errno);
      return r;
    }
  }
  if (st != ResponseParser::kComplete) {
    r.kind = RelayResult::kBadResponse;
    r.detail = parser.error();
    return r;
  }
  r.kind = RelayResult::kOk;
  r.status = parser.status();
  r.body = parser.TakeBody();
  return r;
}

}  // namespace npcni
