// Policy: the operations the agent asks for, each turned into netlink requests on
// per-namespace sockets that one batch reuses.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "netlink/socket.h"
#include "netlink/types.h"

namespace netplugin::nl {

// The operation names of the TypeScript NetlinkOp union.
enum class OpKind {
  CreateVeth, LinkSet, LinkDel, LinkGet, LinkList, AddrAdd, AddrDel, AddrList, RouteReplace, RouteList,
  FeaturesGet, FeaturesSet, CreateVxlan, FdbAppend, FdbDel, FdbList, Invalid,
};

// One operation with every field any kind may use ("" / 0 / nullopt = not given).
struct Op {
  OpKind kind = OpKind::Invalid;
  std::string opName;
  std::string netns, name, peerName, peerNetns, moveToNetns, newName, cidr, dst, gateway, dev, mac, peerMac;
  std::string local;
  uint32_t mtu = 0;
  uint32_t vni = 0;
  uint16_t dstPort = 4789;
  bool learning = false;
  std::optional<bool> up;
  bool ignoreMissing = false;
  std::vector<std::pair<std::string, bool>> features;
};

// What an operation produced; `failure.failed()` means it did not succeed.
struct OpOutcome {
  enum class Value { None, Link, Links, Addrs, Routes, Features, Fdb };
  NativeFailure failure;
  Value value = Value::None;
  bool found = false;  // for Value::Link: false = no such link
  LinkInfo link;
  std::vector<LinkInfo> links;
  std::vector<AddrInfo> addrs;
  std::vector<RouteInfo> routes;
  std::vector<FeatureInfo> features;
  std::vector<FdbInfo> fdb;
};

// Maps a JS op name to its kind (Invalid when unknown).
OpKind ParseOpKind(const std::string& name);

// Runs operations in order on one thread, keeping one socket per namespace and protocol.
class Executor {
 public:
  OpOutcome Run(const Op& op);

 private:
  struct Namespace {
    Socket rtnl;
    Socket genl;
    uint16_t ethtool = 0;
  };
  Socket* Rtnl(const std::string& netns, NativeFailure* f);
  Socket* Ethtool(const std::string& netns, uint16_t* family, NativeFailure* f);

  void CreateVeth(const Op& op, OpOutcome* r);
  void LinkSet(const Op& op, OpOutcome* r);
  void LinkDel(const Op& op, OpOutcome* r);
  void LinkGet(const Op& op, OpOutcome* r);
  void LinkList(const Op& op, OpOutcome* r);
  void AddrChange(const Op& op, bool add, OpOutcome* r);
  void AddrList(const Op& op, OpOutcome* r);
  void RouteReplace(const Op& op, OpOutcome* r);
  void RouteList(const Op& op, OpOutcome* r);
  void FeaturesGet(const Op& op, OpOutcome* r);
  void FeaturesSet(const Op& op, OpOutcome* r);
  void CreateVxlan(const Op& op, OpOutcome* r);
  void FdbChange(const Op& op, bool add, OpOutcome* r);
  void FdbList(const Op& op, OpOutcome* r);

  std::map<std::string, Namespace> ns_;
};

}  // namespace netplugin::nl
