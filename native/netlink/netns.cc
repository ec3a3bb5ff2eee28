#include "netlink/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace netplugin::nl {

namespace {

// Closes an fd at scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// /proc/self names the thread-group leader; only thread-self is this worker thread.
constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

bool NewSocket(int protocol, Socket* out, NativeFailure* f) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    *f = SyscallFailure("socket", errno, "AF_NETLINK");
    return false;
  }
  return Socket::Adopt(fd, out, f);
}

}  // namespace

int OpenNetnsFile(const std::string& path, NativeFailure* f) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) *f = SyscallFailure("open", errno, path);
  return fd;
}

unsigned long ThreadNetnsInode() {
  struct stat st;
  return stat(kThreadNetns, &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

bool OpenSocketIn(const std::string& path, int protocol, Socket* out, NativeFailure* f) {
  if (path.empty()) return NewSocket(protocol, out, f);
  Fd target{OpenNetnsFile(path, f)};
  if (target.fd < 0) return false;
  Fd home{open(kThreadNetns, O_RDONLY | O_CLOEXEC)};
  if (home.fd < 0) {
    *f = SyscallFailure("open", errno, kThreadNetns);
    return false;
  }
  struct stat a, b;
  // Already there (e.g. the caller's own namespace by path): no switch needed.
  if (fstat(target.fd, &a) == 0 && fstat(home.fd, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
    return NewSocket(protocol, out, f);
  if (setns(target.fd, CLONE_NEWNET) < 0) {
    *f = SyscallFailure("setns", errno, path);
    return false;
  }
  bool ok = NewSocket(protocol, out, f);
  if (setns(home.fd, CLONE_NEWNET) < 0) {
    // A pooled libuv thread left in a foreign namespace would silently misroute every later
    // operation; that is worse than stopping.
    std::fprintf(stderr, "np_netlink: cannot return worker thread to its network namespace (errno %d)\n", errno);
    std::abort();
  }
  return ok;
}

}  // namespace netplugin::nl
