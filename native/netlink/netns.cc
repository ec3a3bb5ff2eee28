#include "netlink/netns.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

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

// Filesystem magic of nsfs (linux/magic.h NSFS_MAGIC), the only home of namespace files.
constexpr long kNsfsMagic = 0x6e736673;

// A refusal of a path that opened but is no network-namespace file.
static NativeFailure NotNetns(const std::string& syscall, int err, const std::string& path, const std::string& why) {
  NativeFailure f;
  f.code = "NP_NETNS_INVALID";
  f.err = err;
  f.syscall = syscall;
  f.message = path + ": " + why;
  return f;
}

static const char* KindOf(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFIFO: return "a FIFO";
    case S_IFDIR: return "a directory";
    case S_IFREG: return "a regular file";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    default: return "not a namespace file";
  }
}

// True for "/proc/<pid>/ns/net" and "/proc/<pid>/task/<tid>/ns/net": procfs's own links to a
// process's namespace. Runtimes hand these over (containerd's `ctr run --cni` passes
// CNI_NETNS=/proc/<pid>/ns/net), and procfs is the kernel's, so nobody can swap the link for a
// path of their choosing; the nsfs and namespace-type checks still run on what it opens.
static bool IsProcNetnsLink(const std::string& path) {
  auto digits = [&](size_t& i) {
    size_t start = i;
    while (i < path.size() && path[i] >= '0' && path[i] <= '9') ++i;
    return i > start;
  };
  auto literal = [&](size_t& i, const char* text) {
    size_t n = std::char_traits<char>::length(text);
    if (path.compare(i, n, text) != 0) return false;
    i += n;
    return true;
  };
  size_t i = 0;
  if (!literal(i, "/proc/") || !digits(i)) return false;
  size_t task = i;
  if (!(literal(task, "/task/") && digits(task))) task = i;
  i = task;
  return literal(i, "/ns/net") && i == path.size();
}

int OpenNetnsFile(const std::string& path, NativeFailure* f) {
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos) {
    *f = NotNetns("open", EINVAL, path, "a network namespace path must be absolute");
    return -1;
  }
  // O_NONBLOCK: opening a FIFO without a writer must not park this worker thread for ever.
  // O_NOFOLLOW: a symlink could be swapped between check and use; procfs's namespace links
  // cannot, so they are followed (see IsProcNetnsLink).
  const int follow = IsProcNetnsLink(path) ? 0 : O_NOFOLLOW;
  int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | follow | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ELOOP) *f = NotNetns("open", err, path, "is a symbolic link; give the namespace file itself (a bind mount such as /run/netns/NAME)");
    else *f = SyscallFailure("open", err, path);
    return -1;
  }
  Fd guard{fd};
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0) {
    *f = SyscallFailure("fstatfs", errno, path);
    return -1;
  }
  if (sfs.f_type != kNsfsMagic) {
    struct stat st;
    const char* kind = fstat(fd, &st) == 0 ? KindOf(st.st_mode) : "not a namespace file";
    *f = NotNetns("fstatfs", EINVAL, path, std::string("is ") + kind + ", not a network namespace file (nsfs)");
    return -1;
  }
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type >= 0 && type != CLONE_NEWNET) {
    *f = NotNetns("ioctl", EINVAL, path, "is a namespace file of another kind, not a network namespace");
    return -1;
  }
  guard.fd = -1;
  return fd;
}

bool StatNetnsFile(const std::string& path, unsigned long* dev, unsigned long* ino, NativeFailure* f) {
  Fd target{OpenNetnsFile(path, f)};
  if (target.fd < 0) return false;
  struct stat st;
  if (fstat(target.fd, &st) < 0) {
    *f = SyscallFailure("fstat", errno, path);
    return false;
  }
  *dev = static_cast<unsigned long>(st.st_dev);
  *ino = static_cast<unsigned long>(st.st_ino);
  return true;
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
