// checkNetns(path): the nsfs check of a container's namespace file, off the JS thread, so a
// runtime's path is refused at the API boundary with the same error the agent would meet later.
#include "netlink/netns_js.h"

#include "common/errors.h"
#include "netlink/netns.h"

namespace netplugin::nl {

namespace {

// Opens and identifies one namespace file on a libuv worker.
class CheckNetnsWorker : public Napi::AsyncWorker {
 public:
  CheckNetnsWorker(Napi::Env env, std::string path)
      : Napi::AsyncWorker(env, "np_netlink.checkNetns"), deferred_(Napi::Promise::Deferred::New(env)), path_(std::move(path)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { StatNetnsFile(path_, &dev_, &ino_, &failure_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (failure_.failed()) {
      deferred_.Reject(ToJsError(env, failure_).Value());
      return;
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("dev", Napi::Number::New(env, static_cast<double>(dev_)));
    out.Set("ino", Napi::Number::New(env, static_cast<double>(ino_)));
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::string path_;
  NativeFailure failure_;
  unsigned long dev_ = 0;
  unsigned long ino_ = 0;
};

Napi::Value CheckNetns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "checkNetns(path: string)");
  auto* w = new CheckNetnsWorker(env, info[0].As<Napi::String>().Utf8Value());
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

void InitNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("checkNetns", Napi::Function::New(env, CheckNetns, "checkNetns"));
}

}  // namespace netplugin::nl
