// Network namespaces without processes: a worker thread enters a namespace only for
// the socket() call (a socket stays bound to the namespace it was made in), then returns.
#pragma once
#include <string>

#include "common/errors.h"
#include "netlink/socket.h"

namespace netplugin::nl {

// Opens a netlink socket of `protocol` in the namespace behind `path` ("" = the thread's own).
bool OpenSocketIn(const std::string& path, int protocol, Socket* out, NativeFailure* f);
// Opens a network-namespace file read-only (for setns and IFLA_NET_NS_FD); -1 with `f` filled
// on failure. Only an nsfs file of a network namespace is opened: a symlink, FIFO, directory or
// regular file is refused (code NP_NETNS_INVALID) without blocking.
int OpenNetnsFile(const std::string& path, NativeFailure* f);
// Checks `path` as OpenNetnsFile does and gives the namespace's identity (st_dev, st_ino).
bool StatNetnsFile(const std::string& path, unsigned long* dev, unsigned long* ino, NativeFailure* f);
// Identifies the calling thread's current network namespace (inode of its ns file), 0 on error.
unsigned long ThreadNetnsInode();

}  // namespace netplugin::nl
