#include "openflow/connection.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/errors.h"
#include "openflow/echo.h"
#include "openflow/framing.h"
#include "openflow/ofp_header.h"

namespace netplugin::of {

// Everything both threads and the JS object share; kept alive by whoever still runs.
struct ConnectionState {
  int fd = -1;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::vector<uint8_t>> queue;  // guarded by mu
  size_t queuedBytes = 0;                  // guarded by mu
  bool stopWriter = false;                 // guarded by mu
  NativeFailure writeFailure;              // guarded by mu
  std::atomic<bool> closing{false};
  std::atomic<bool> closed{false};
  std::atomic<uint64_t> echoAnswered{0}, bytesRead{0}, bytesWritten{0};
  Napi::ThreadSafeFunction tsfn;
  std::thread writer;
};

namespace {
// What the reader hands to the JS thread: a batch of frames, or the end of the connection.
struct Event {
  std::vector<std::vector<uint8_t>> frames;
  bool end = false;
  NativeFailure failure;
};

void Enqueue(ConnectionState& s, std::vector<uint8_t>&& bytes) {
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.queuedBytes += bytes.size();
    s.queue.push_back(std::move(bytes));
  }
  s.cv.notify_one();
}

void WriterLoop(std::shared_ptr<ConnectionState> s) {
  for (;;) {
    std::vector<uint8_t> buf;
    {
      std::unique_lock<std::mutex> lock(s->mu);
      s->cv.wait(lock, [&] { return s->stopWriter || !s->queue.empty(); });
      if (s->stopWriter) return;
      buf = std::move(s->queue.front());
      s->queue.pop_front();
      s->queuedBytes -= buf.size();
    }
    size_t off = 0;
    while (off < buf.size()) {
      ssize_t n = ::send(s->fd, buf.data() + off, buf.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        std::lock_guard<std::mutex> lock(s->mu);
        if (!s->closing) s->writeFailure = SyscallFailure("send", err, "OpenFlow connection");
        s->writeFailure.code = "NP_OPENFLOW_CLOSED";
        // Wake the reader so the whole connection ends with this reason.
        ::shutdown(s->fd, SHUT_RDWR);
        return;
      }
      off += size_t(n);
      s->bytesWritten += uint64_t(n);
    }
  }
}

void Deliver(ConnectionState& s, Event* ev) {
  s.tsfn.NonBlockingCall(ev, [](Napi::Env env, Napi::Function cb, Event* ev) {
    std::unique_ptr<Event> owned(ev);
    if (ev->end) {
      if (ev->failure.failed()) cb.Call({env.Null(), ToJsError(env, ev->failure).Value()});
      else cb.Call({env.Null()});
      return;
    }
    Napi::Array frames = Napi::Array::New(env, ev->frames.size());
    for (size_t i = 0; i < ev->frames.size(); ++i)
      frames.Set(uint32_t(i), Napi::Buffer<uint8_t>::Copy(env, ev->frames[i].data(), ev->frames[i].size()));
    cb.Call({frames});
  });
}

void ReaderLoop(std::shared_ptr<ConnectionState> s) {
  std::vector<uint8_t> pending;
  std::vector<uint8_t> chunk(256 * 1024);
  NativeFailure failure;
  for (;;) {
    ssize_t n = ::recv(s->fd, chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (!s->closing) failure = SyscallFailure("recv", errno, "OpenFlow connection");
      break;
    }
    if (n == 0) {
      if (!s->closing) {
        failure.code = "NP_OPENFLOW_CLOSED";
        failure.message = "the switch closed the OpenFlow connection";
      }
      break;
    }
    s->bytesRead += uint64_t(n);
    pending.insert(pending.end(), chunk.begin(), chunk.begin() + n);
    auto* ev = new Event;
    FrameSplit split = SplitFrames(pending.data(), pending.size(), [&](const uint8_t* frame, size_t len) {
      if (frame[1] == OFPT_ECHO_REQUEST) {
        // Answered here so a busy JS thread can never make the switch drop us.
        std::vector<uint8_t> reply;
        EncodeEchoReplyFor(reply, frame, len);
        Enqueue(*s, std::move(reply));
        ++s->echoAnswered;
      } else {
        ev->frames.emplace_back(frame, frame + len);
      }
    });
    const bool bad = split.bad;
    pending.erase(pending.begin(), pending.begin() + split.consumed);
    if (!ev->frames.empty()) Deliver(*s, ev);
    else delete ev;
    if (bad) {
      failure.code = "NP_OPENFLOW_CLOSED";
      failure.message = "the switch sent a message shorter than its header";
      break;
    }
  }
  s->closed = true;
  ::shutdown(s->fd, SHUT_RDWR);
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->stopWriter = true;
    if (!failure.failed() && s->writeFailure.failed()) failure = s->writeFailure;
  }
  s->cv.notify_one();
  if (s->writer.joinable()) s->writer.join();
  ::close(s->fd);
  if (failure.failed()) failure.code = "NP_OPENFLOW_CLOSED";
  auto* ev = new Event;
  ev->end = true;
  ev->failure = failure;
  Deliver(*s, ev);
  s->tsfn.Release();
}
}  // namespace

Napi::Function Connection::Define(Napi::Env env) {
  return DefineClass(env, "Connection",
                     {InstanceMethod("send", &Connection::Send), InstanceMethod("close", &Connection::Close),
                      InstanceMethod("stats", &Connection::Stats)});
}

Connection::Connection(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Connection>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsFunction())
    throw Napi::TypeError::New(env, "Connection(path: string, onEvent: function)");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) throw Napi::TypeError::New(env, "socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ToJsError(env, SyscallFailure("socket", errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    int err = errno;
    ::close(fd);
    throw ToJsError(env, SyscallFailure("connect", err, path));
  }
  s_ = std::make_shared<ConnectionState>();
  s_->fd = fd;
  s_->tsfn = Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "np_openflow_reader", 0, 1);
  s_->writer = std::thread(WriterLoop, s_);
  std::thread(ReaderLoop, s_).detach();
}

Connection::~Connection() {
  // A collected connection must not leave its threads blocked on a live socket.
  if (s_ && !s_->closed) {
    s_->closing = true;
    ::shutdown(s_->fd, SHUT_RDWR);
  }
}

Napi::Value Connection::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "send(buffer)");
  if (s_->closed || s_->closing) {
    NativeFailure f;
    f.code = "NP_OPENFLOW_CLOSED";
    f.message = "the OpenFlow connection is closed";
    throw ToJsError(env, f);
  }
  auto b = info[0].As<Napi::Buffer<uint8_t>>();
  Enqueue(*s_, std::vector<uint8_t>(b.Data(), b.Data() + b.Length()));
  return env.Undefined();
}

Napi::Value Connection::Close(const Napi::CallbackInfo& info) {
  if (!s_->closing.exchange(true) && !s_->closed) ::shutdown(s_->fd, SHUT_RDWR);
  return info.Env().Undefined();
}

Napi::Value Connection::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("echoRequestsAnswered", double(s_->echoAnswered.load()));
  o.Set("bytesRead", double(s_->bytesRead.load()));
  o.Set("bytesWritten", double(s_->bytesWritten.load()));
  {
    std::lock_guard<std::mutex> lock(s_->mu);
    o.Set("queuedBytes", double(s_->queuedBytes));
  }
  o.Set("closed", s_->closed.load());
  return o;
}

}  // namespace netplugin::of
