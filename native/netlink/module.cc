// np_netlink module entry; rtnetlink and ethtool register their exports here.
#include <napi.h>

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return exports; }

NODE_API_MODULE(np_netlink, Init)
