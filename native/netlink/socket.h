// Netlink socket transport: send one request, read replies until ack/done, decode errors
// with the kernel's extended ack. Blocking; runs on worker threads only.
#pragma once
#include <linux/netlink.h>

#include <string>
#include <vector>

#include "common/errors.h"

namespace netplugin::nl {

// One reply message copied out of the receive buffer.
using Reply = std::vector<uint8_t>;

// A connected netlink socket bound to the namespace it was created in.
class Socket {
 public:
  Socket() = default;
  // Takes ownership of an fd from socket(AF_NETLINK, ...) and enables extended acks.
  static bool Adopt(int fd, Socket* out, NativeFailure* f);
  ~Socket();
  Socket(Socket&& o) noexcept;
  Socket& operator=(Socket&& o) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool valid() const { return fd_ >= 0; }
  // Next sequence number for a request on this socket.
  uint32_t NextSeq() { return ++seq_; }
  // Sends `msg` (seq already set) and collects replies until NLMSG_ERROR/NLMSG_DONE, or the
  // single reply of a non-dump request without NLM_F_ACK. `name` labels errors ("RTM_NEWLINK").
  // `doneFlags` receives the nlmsg_flags of the closing NLMSG_DONE (NLM_F_DUMP_INTR rides there too).
  bool Call(const std::vector<uint8_t>& msg, const std::string& name, std::vector<Reply>* replies,
            NativeFailure* f, uint16_t* doneFlags = nullptr);

 private:
  int fd_ = -1;
  uint32_t seq_ = 0;
  uint32_t portid_ = 0;
  std::vector<uint8_t> buf_;
};

// Builds the NP_NETLINK failure for an NLMSG_ERROR message (errno + extack text).
NativeFailure NetlinkFailure(const struct nlmsghdr* err, const std::string& name);

}  // namespace netplugin::nl
