// Transport to a bridge's management socket: one reader thread (framing, automatic echo replies)
// and one writer thread, so no socket I/O ever blocks the JS thread.
#pragma once
#include <napi.h>

#include <memory>

namespace netplugin::of {

struct ConnectionState;

// JS class `Connection(path, onEvent)`: onEvent(frames: Buffer[]) for received messages other than
// echo requests, and onEvent(null, err?) once when the connection ends.
class Connection : public Napi::ObjectWrap<Connection> {
 public:
  // Defines the JS class.
  static Napi::Function Define(Napi::Env env);
  // Connects synchronously (a unix connect does not wait on the peer) and starts both threads.
  explicit Connection(const Napi::CallbackInfo& info);
  ~Connection() override;

 private:
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  std::shared_ptr<ConnectionState> s_;
};

}  // namespace netplugin::of
