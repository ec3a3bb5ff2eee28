// Field-level request specs: the JS object a caller sends is read into a RequestSpec on the JS
// thread and turned into netlink bytes (pure codec) wherever it is sent from.
#pragma once
#include <napi.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.h"

namespace netplugin::nl {

// Every field any request kind may use ("" / 0 / nullopt = not given). The kind names match the
// TypeScript NetlinkOp union, plus the genl helpers getFamily / featureNamesGet.
struct RequestSpec {
  std::string op;
  std::string name, peerName, newName, cidr, dst, gateway, mac, peerMac, local;
  uint32_t mtu = 0;
  uint32_t vni = 0;
  uint16_t dstPort = 4789;
  bool learning = false;
  bool tosInherit = false;
  std::optional<bool> up;
  std::vector<std::pair<std::string, bool>> features;
  int index = 0;          // the link named by name/dev (createVxlan: the underlay)
  int protocol = -1;      // routeReplace / routeDel: rtm_protocol, -1 = the default
  int family = 4;         // routeList: 4 or 6
  uint16_t genlFamily = 0;
  int nsFd = -1;          // IFLA_NET_NS_FD of linkSet, when already open
  int peerNsFd = -1;      // IFLA_NET_NS_FD of a veth peer, when already open
  std::string nsPath;     // linkSet: namespace file the sender opens for IFLA_NET_NS_FD
  std::string peerNsPath; // createVeth: the same for the peer
  // vfSet: numbers as JS gave them (BuildSpec checks their range), names as the TS op spells them.
  std::optional<double> vf, vlan, qos, txRate, minTxRate, maxTxRate;
  std::string vlanProto, linkState;
  std::optional<bool> spoofchk, trust;
};

// Reads a spec object (JS thread only); unknown fields are ignored.
RequestSpec SpecFromJs(const Napi::Object& o);
// Encodes the request with `seq`; an NP_INVALID_ARGUMENT failure for text that does not parse.
bool BuildSpec(const RequestSpec& s, uint32_t seq, std::vector<uint8_t>* out, NativeFailure* f);

}  // namespace netplugin::nl
