#pragma once
#include <napi.h>
namespace netplugin::netlink {
// Builds the `netlink` export object (rtnetlink and ethtool operations).
Napi::Object Init(Napi::Env env);
}
