// np_openflow module entry; codec and connection register their exports here.
#include <napi.h>

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }

NODE_API_MODULE(np_openflow, Init)
