#include "netlink/socket.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netlink/attr.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace netplugin::nl {

bool Socket::Adopt(int fd, Socket* out, NativeFailure* f) {
  Socket s;
  s.fd_ = fd;
  int one = 1;
  // EXT_ACK brings the kernel's reason text; CAP_ACK keeps errors from echoing whole requests.
  if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
      setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
    *f = SyscallFailure("setsockopt", errno, "netlink ack options");
    return false;
  }
  // Strict checking makes the kernel honour dump filters (e.g. RTA_TABLE); older kernels lack it.
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
  struct sockaddr_nl sa {};
  sa.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&sa), sizeof(sa)) < 0) {
    *f = SyscallFailure("bind", errno, "netlink");
    return false;
  }
  socklen_t len = sizeof(sa);
  if (getsockname(fd, reinterpret_cast<struct sockaddr*>(&sa), &len) < 0) {
    *f = SyscallFailure("getsockname", errno, "netlink");
    return false;
  }
  s.portid_ = sa.nl_pid;
  s.buf_.resize(32768);
  *out = std::move(s);
  return true;
}

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

Socket::Socket(Socket&& o) noexcept { *this = std::move(o); }

Socket& Socket::operator=(Socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    seq_ = o.seq_;
    portid_ = o.portid_;
    buf_ = std::move(o.buf_);
    o.fd_ = -1;
  }
  return *this;
}

NativeFailure NetlinkFailure(const struct nlmsghdr* h, const std::string& name) {
  NativeFailure f;
  auto* e = static_cast<const struct nlmsgerr*>(NLMSG_DATA(h));
  f.code = "NP_NETLINK";
  f.err = -e->error;
  f.syscall = name;
  f.message = name + ": " + std::strerror(f.err);
  if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
    // TLVs follow the echoed request: only its header when capped, the whole request otherwise.
    size_t off = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
    if (!(h->nlmsg_flags & NLM_F_CAPPED)) off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
    if (off < h->nlmsg_len) {
      AttrTable t(reinterpret_cast<const uint8_t*>(h) + off, h->nlmsg_len - off);
      f.extack = t.Str(NLMSGERR_ATTR_MSG);
    }
  }
  return f;
}

bool Socket::Call(const std::vector<uint8_t>& msg, const std::string& name, std::vector<Reply>* replies,
                  NativeFailure* f, uint16_t* doneFlags) {
  auto* req = reinterpret_cast<const struct nlmsghdr*>(msg.data());
  const uint32_t seq = req->nlmsg_seq;
  const bool expectAck = (req->nlmsg_flags & NLM_F_ACK) != 0;
  const bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  struct sockaddr_nl kernel {};
  kernel.nl_family = AF_NETLINK;
  ssize_t n;
  do {
    n = sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof(kernel));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    *f = SyscallFailure("sendto", errno, name);
    return false;
  }
  for (;;) {
    // Peek the size first: single replies (e.g. a link with many VFs) can exceed any fixed buffer.
    do {
      n = recv(fd_, buf_.data(), buf_.size(), MSG_PEEK | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n > static_cast<ssize_t>(buf_.size())) buf_.resize(static_cast<size_t>(n));
    do {
      n = recv(fd_, buf_.data(), buf_.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      *f = SyscallFailure("recv", errno, name);
      return false;
    }
    for (const struct nlmsghdr* h : SplitMessages(buf_.data(), static_cast<size_t>(n))) {
      // Stale replies of an earlier, abandoned request on this socket are skipped.
      if (h->nlmsg_seq != seq || (h->nlmsg_pid != portid_ && h->nlmsg_pid != 0)) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        auto* e = static_cast<const struct nlmsgerr*>(NLMSG_DATA(h));
        if (e->error == 0) return true;
        *f = NetlinkFailure(h, name);
        return false;
      }
      if (h->nlmsg_type == NLMSG_DONE) {
        if (doneFlags) *doneFlags = h->nlmsg_flags;
        int err = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) std::memcpy(&err, NLMSG_DATA(h), sizeof(int));
        if (err < 0) {
          f->code = "NP_NETLINK";
          f->err = -err;
          f->syscall = name;
          f->message = name + ": " + std::strerror(-err);
          return false;
        }
        return true;
      }
      if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_OVERRUN) continue;
      const auto* p = reinterpret_cast<const uint8_t*>(h);
      replies->emplace_back(p, p + h->nlmsg_len);
      if (!dump && !expectAck && !(h->nlmsg_flags & NLM_F_MULTI)) return true;
    }
  }
}

}  // namespace netplugin::nl
