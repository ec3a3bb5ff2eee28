#include "netlink/batch.h"

#include <vector>

#include "netlink/js.h"
#include "netlink/netns.h"
#include "netlink/ops.h"

namespace netplugin::nl {

namespace {

// Runs every op in order on the worker; failures are per op, so the promise always resolves.
class BatchWorker : public Napi::AsyncWorker {
 public:
  BatchWorker(Napi::Env env, std::vector<Op> ops)
      : Napi::AsyncWorker(env, "np_netlink.runBatch"), deferred_(Napi::Promise::Deferred::New(env)),
        ops_(std::move(ops)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    Executor ex;
    outcomes_.reserve(ops_.size());
    for (const Op& op : ops_) outcomes_.push_back(ex.Run(op));
    netnsAfter_ = ThreadNetnsInode();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array results = Napi::Array::New(env, outcomes_.size());
    for (size_t i = 0; i < outcomes_.size(); i++) results.Set(static_cast<uint32_t>(i), OutcomeToJs(env, outcomes_[i]));
    // Lets tests prove the pooled thread ended the batch in its original namespace.
    results.Set("workerNetnsInode", Napi::Number::New(env, static_cast<double>(netnsAfter_)));
    deferred_.Resolve(results);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<Op> ops_;
  std::vector<OpOutcome> outcomes_;
  unsigned long netnsAfter_ = 0;
};

Napi::Value RunBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, "runBatch(ops: object[])");
  Napi::Array arr = info[0].As<Napi::Array>();
  std::vector<Op> ops;
  ops.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    ops.push_back(v.IsObject() ? OpFromJs(v.As<Napi::Object>()) : Op());
  }
  auto* w = new BatchWorker(env, std::move(ops));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value ThreadNetns(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(ThreadNetnsInode()));
}

}  // namespace

void InitBatch(Napi::Env env, Napi::Object exports) {
  exports.Set("runBatch", Napi::Function::New(env, RunBatch, "runBatch"));
  exports.Set("threadNetnsInode", Napi::Function::New(env, ThreadNetns, "threadNetnsInode"));
}

}  // namespace netplugin::nl
