#include "netlink/session.h"

#include <linux/netlink.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "netlink/attr.h"
#include "netlink/decoded.h"
#include "netlink/netns.h"
#include "netlink/request_spec.h"

namespace netplugin::nl {

namespace {

// Closes a namespace fd passed in IFLA_NET_NS_FD once the request is done.
struct NsFd {
  int fd = -1;
  ~NsFd() {
    if (fd >= 0) close(fd);
  }
};

// One request of an exchange: where it goes, what it is, and how its answer comes back.
struct Step {
  std::string netns;
  int protocol = NETLINK_ROUTE;
  RequestSpec spec;
  std::string label;   // names the request in errors ("RTM_NEWLINK")
  uint16_t flags = 0;  // OR'ed into nlmsg_flags (e.g. NLM_F_ECHO)
  bool raw = false;    // return each reply's bytes too
};

// What came back for one step.
struct StepResult {
  NativeFailure failure;
  std::vector<Decoded> messages;
  std::vector<Reply> raw;
  uint16_t doneFlags = 0;
};

// Runs every step in order; failures are per step, so the promise always resolves.
class ExchangeWorker : public Napi::AsyncWorker {
 public:
  ExchangeWorker(Napi::Env env, Session* s, Napi::Object self, std::vector<Step> steps)
      : Napi::AsyncWorker(env, "np_netlink.exchange"), deferred_(Napi::Promise::Deferred::New(env)), session_(s),
        self_(Napi::Persistent(self)), steps_(std::move(steps)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    results_.resize(steps_.size());
    for (size_t i = 0; i < steps_.size(); i++) RunStep(steps_[i], &results_[i]);
    netnsAfter_ = ThreadNetnsInode();
  }

  void OnOK() override {
    Napi::Env env = Env();
    session_->Release();
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); i++) out.Set(static_cast<uint32_t>(i), ToJs(env, results_[i]));
    // Lets tests prove the pooled thread ended the exchange in its original namespace.
    out.Set("workerNetnsInode", Napi::Number::New(env, static_cast<double>(netnsAfter_)));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override {
    session_->Release();
    deferred_.Reject(e.Value());
  }

 private:
  void RunStep(const Step& st, StepResult* r) {
    NativeFailure* f = &r->failure;
    if (st.protocol != NETLINK_ROUTE && st.protocol != NETLINK_GENERIC) {
      *f = SyscallFailure("socket", EPROTONOSUPPORT, "netlink protocol " + std::to_string(st.protocol));
      return;
    }
    RequestSpec spec = st.spec;
    NsFd target, peer;
    if (!spec.nsPath.empty() && (target.fd = spec.nsFd = OpenNetnsFile(spec.nsPath, f)) < 0) return;
    if (!spec.peerNsPath.empty() && (peer.fd = spec.peerNsFd = OpenNetnsFile(spec.peerNsPath, f)) < 0) return;
    Socket* s = session_->SocketFor(st.netns, st.protocol, f);
    if (!s) return;
    std::vector<uint8_t> msg;
    if (!BuildSpec(spec, s->NextSeq(), &msg, f)) return;
    reinterpret_cast<struct nlmsghdr*>(msg.data())->nlmsg_flags |= st.flags;
    std::vector<Reply> replies;
    if (!s->Call(msg, st.label, &replies, f, &r->doneFlags)) return;
    r->messages.reserve(replies.size());
    for (const Reply& m : replies) r->messages.push_back(DecodeOne(reinterpret_cast<const struct nlmsghdr*>(m.data())));
    if (st.raw) r->raw = std::move(replies);
  }

  static Napi::Object ToJs(Napi::Env env, const StepResult& r) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("ok", !r.failure.failed());
    if (r.failure.failed()) {
      o.Set("error", ToJsError(env, r.failure).Value());
      return o;
    }
    Napi::Array msgs = Napi::Array::New(env, r.messages.size());
    for (size_t i = 0; i < r.messages.size(); i++) msgs.Set(static_cast<uint32_t>(i), DecodedToJs(env, r.messages[i]));
    o.Set("messages", msgs);
    o.Set("doneFlags", r.doneFlags);
    if (!r.raw.empty()) {
      Napi::Array raw = Napi::Array::New(env, r.raw.size());
      for (size_t i = 0; i < r.raw.size(); i++)
        raw.Set(static_cast<uint32_t>(i), Napi::Buffer<uint8_t>::Copy(env, r.raw[i].data(), r.raw[i].size()));
      o.Set("raw", raw);
    }
    return o;
  }

  Napi::Promise::Deferred deferred_;
  Session* session_;
  Napi::ObjectReference self_;  // keeps the Session (and its sockets) alive while the worker runs
  std::vector<Step> steps_;
  std::vector<StepResult> results_;
  unsigned long netnsAfter_ = 0;
};

std::string Str(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

}  // namespace

void Session::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = DefineClass(env, "Session", {InstanceMethod("exchange", &Session::Exchange),
                                                    InstanceMethod("close", &Session::Close)});
  exports.Set("Session", cls);
}

Session::Session(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Session>(info) {}

Socket* Session::SocketFor(const std::string& netns, int protocol, NativeFailure* f) {
  Socket& s = sockets_[{netns, protocol}];
  if (!s.valid() && !OpenSocketIn(netns, protocol, &s, f)) return nullptr;
  return &s;
}

void Session::Release() {
  busy_ = false;
  if (closeAfter_) sockets_.clear();
}

Napi::Value Session::Exchange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "exchange(steps: object[])");
  // One exchange at a time: the sockets are not shared between worker threads.
  if (busy_) throw Napi::Error::New(env, "np_netlink: exchange already in progress on this session");
  if (closeAfter_) throw Napi::Error::New(env, "np_netlink: session closed");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<Step> steps(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    if (!v.IsObject()) throw Napi::TypeError::New(env, "exchange: step " + std::to_string(i) + " is not an object");
    Napi::Object o = v.As<Napi::Object>();
    Step& st = steps[i];
    st.netns = Str(o, "netns");
    Napi::Value p = o.Get("protocol");
    if (p.IsNumber()) st.protocol = p.As<Napi::Number>().Int32Value();
    Napi::Value spec = o.Get("spec");
    if (!spec.IsObject()) throw Napi::TypeError::New(env, "exchange: step " + std::to_string(i) + " has no spec");
    st.spec = SpecFromJs(spec.As<Napi::Object>());
    st.label = Str(o, "label");
    Napi::Value fl = o.Get("flags");
    if (fl.IsNumber()) st.flags = static_cast<uint16_t>(fl.As<Napi::Number>().Uint32Value());
    st.raw = o.Get("raw").ToBoolean().Value();
  }
  busy_ = true;
  auto* w = new ExchangeWorker(env, this, info.This().As<Napi::Object>(), std::move(steps));
  Napi::Promise promise = w->Promise();
  w->Queue();
  return promise;
}

Napi::Value Session::Close(const Napi::CallbackInfo& info) {
  closeAfter_ = true;
  if (!busy_) sockets_.clear();
  return info.Env().Undefined();
}

}  // namespace netplugin::nl
