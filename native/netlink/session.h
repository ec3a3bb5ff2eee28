// Transport: a Session owns one netlink socket per (namespace, protocol) and sends requests
// on libuv workers, returning each request's replies or its error (errno + extack). It takes
// no decisions about what a reply means; src/datapath/kernel does.
#pragma once
#include <napi.h>

#include <map>
#include <string>
#include <utility>

#include "netlink/socket.h"

namespace netplugin::nl {

// JS class `Session`: exchange(steps) -> Promise<results>, close().
class Session : public Napi::ObjectWrap<Session> {
 public:
  // Registers the class on the module exports.
  static void Init(Napi::Env env, Napi::Object exports);
  explicit Session(const Napi::CallbackInfo& info);

  // The socket for `netns` ("" = the worker's own namespace), opened (via setns) on first use.
  Socket* SocketFor(const std::string& netns, int protocol, NativeFailure* f);
  // Called by the worker when it is done with the sockets.
  void Release();

 private:
  Napi::Value Exchange(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::map<std::pair<std::string, int>, Socket> sockets_;
  bool busy_ = false;
  bool closeAfter_ = false;
};

}  // namespace netplugin::nl
