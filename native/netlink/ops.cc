#include "netlink/ops.h"

#include <linux/genetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "netlink/attr.h"
#include "netlink/ethtool_features.h"
#include "netlink/genl_ctrl.h"
#include "netlink/inet.h"
#include "netlink/netns.h"
#include "netlink/ops_detail.h"
#include "netlink/rtnl_addr.h"
#include "netlink/rtnl_link.h"
#include "netlink/rtnl_route.h"

namespace netplugin::nl {

namespace {

// Closes a namespace fd passed in IFLA_NET_NS_FD once the request is done.
struct NsFd {
  int fd = -1;
  ~NsFd() {
    if (fd >= 0) close(fd);
  }
};

// Looks a link up by name; `found` false (and no failure) when the kernel says ENODEV.
bool GetLink(Socket& s, const std::string& name, LinkInfo* out, bool* found, NativeFailure* f) {
  std::vector<Reply> replies;
  NativeFailure err;
  *found = false;
  if (!s.Call(BuildLinkGetByName(name, s.NextSeq()), "RTM_GETLINK", &replies, &err)) {
    if (IsMissing(err)) return true;
    *f = err;
    return false;
  }
  for (const Reply& r : replies)
    if (DecodeLink(reinterpret_cast<const struct nlmsghdr*>(r.data()), out)) *found = true;
  return true;
}

}  // namespace

NativeFailure Invalid(const std::string& what) {
  NativeFailure f = SyscallFailure("parse", EINVAL, what);
  f.code = "NP_INVALID_ARGUMENT";
  return f;
}

void About(NativeFailure* f, const std::string& what) {
  if (f->failed() && !what.empty()) f->message += " (" + what + ")";
}

bool IsMissing(const NativeFailure& f) { return f.code == "NP_NETLINK" && (f.err == ENODEV || f.err == ENOENT); }

bool Resolve(Socket& s, const std::string& name, int* index, NativeFailure* f) {
  LinkInfo l;
  bool found;
  if (!GetLink(s, name, &l, &found, f)) return false;
  if (!found) {
    f->code = "NP_NETLINK";
    f->err = ENODEV;
    f->syscall = "RTM_GETLINK";
    f->message = "RTM_GETLINK: no such link";
    return false;
  }
  *index = l.index;
  return true;
}

bool ParseMacField(const std::string& text, std::vector<uint8_t>* out, NativeFailure* f) {
  if (text.empty()) return true;
  if (ParseMac(text, out)) return true;
  *f = Invalid("MAC address '" + text + "'");
  return false;
}

namespace {

bool DumpLinks(Socket& s, std::vector<LinkInfo>* out, NativeFailure* f) {
  std::vector<Reply> replies;
  if (!s.Call(BuildLinkDump(s.NextSeq()), "RTM_GETLINK", &replies, f)) return false;
  for (const Reply& r : replies) {
    LinkInfo l;
    if (DecodeLink(reinterpret_cast<const struct nlmsghdr*>(r.data()), &l)) out->push_back(l);
  }
  return true;
}

std::map<int, std::string> LinkNames(Socket& s, NativeFailure* f) {
  std::vector<LinkInfo> links;
  std::map<int, std::string> names;
  if (DumpLinks(s, &links, f))
    for (const LinkInfo& l : links) names[l.index] = l.name;
  return names;
}

}  // namespace

OpKind ParseOpKind(const std::string& n) {
  static const std::map<std::string, OpKind> kinds = {
      {"createVeth", OpKind::CreateVeth}, {"linkSet", OpKind::LinkSet},       {"linkDel", OpKind::LinkDel},
      {"linkGet", OpKind::LinkGet},       {"linkList", OpKind::LinkList},     {"addrAdd", OpKind::AddrAdd},
      {"addrDel", OpKind::AddrDel},       {"addrList", OpKind::AddrList},     {"routeReplace", OpKind::RouteReplace},
      {"routeList", OpKind::RouteList},   {"featuresGet", OpKind::FeaturesGet}, {"featuresSet", OpKind::FeaturesSet},
      {"createVxlan", OpKind::CreateVxlan}, {"fdbAppend", OpKind::FdbAppend},     {"fdbDel", OpKind::FdbDel},
      {"fdbList", OpKind::FdbList},
  };
  auto it = kinds.find(n);
  return it == kinds.end() ? OpKind::Invalid : it->second;
}

Socket* Executor::Rtnl(const std::string& netns, NativeFailure* f) {
  Namespace& n = ns_[netns];
  if (!n.rtnl.valid() && !OpenSocketIn(netns, NETLINK_ROUTE, &n.rtnl, f)) return nullptr;
  return &n.rtnl;
}

Socket* Executor::Ethtool(const std::string& netns, uint16_t* family, NativeFailure* f) {
  Namespace& n = ns_[netns];
  if (!n.genl.valid() && !OpenSocketIn(netns, NETLINK_GENERIC, &n.genl, f)) return nullptr;
  if (!n.ethtool) {
    std::vector<Reply> replies;
    if (!n.genl.Call(BuildGetFamily(ETHTOOL_GENL_NAME, n.genl.NextSeq()), "CTRL_CMD_GETFAMILY", &replies, f)) {
      About(f, ETHTOOL_GENL_NAME);
      return nullptr;
    }
    for (const Reply& r : replies)
      if (uint16_t id = DecodeFamilyId(reinterpret_cast<const struct nlmsghdr*>(r.data()))) n.ethtool = id;
    if (!n.ethtool) {
      *f = SyscallFailure("CTRL_CMD_GETFAMILY", ENOENT, "no ethtool family id in reply");
      return nullptr;
    }
  }
  *family = n.ethtool;
  return &n.genl;
}

OpOutcome Executor::Run(const Op& op) {
  OpOutcome r;
  switch (op.kind) {
    case OpKind::CreateVeth: CreateVeth(op, &r); break;
    case OpKind::LinkSet: LinkSet(op, &r); break;
    case OpKind::LinkDel: LinkDel(op, &r); break;
    case OpKind::LinkGet: LinkGet(op, &r); break;
    case OpKind::LinkList: LinkList(op, &r); break;
    case OpKind::AddrAdd: AddrChange(op, true, &r); break;
    case OpKind::AddrDel: AddrChange(op, false, &r); break;
    case OpKind::AddrList: AddrList(op, &r); break;
    case OpKind::RouteReplace: RouteReplace(op, &r); break;
    case OpKind::RouteList: RouteList(op, &r); break;
    case OpKind::FeaturesGet: FeaturesGet(op, &r); break;
    case OpKind::FeaturesSet: FeaturesSet(op, &r); break;
    case OpKind::CreateVxlan: CreateVxlan(op, &r); break;
    case OpKind::FdbAppend: FdbChange(op, true, &r); break;
    case OpKind::FdbDel: FdbChange(op, false, &r); break;
    case OpKind::FdbList: FdbList(op, &r); break;
    case OpKind::Invalid: r.failure = Invalid("unknown op '" + op.opName + "'"); break;
  }
  return r;
}

void Executor::CreateVeth(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  VethSpec v;
  v.name = op.name;
  v.peerName = op.peerName;
  v.mtu = op.mtu;
  if (!ParseMacField(op.mac, &v.mac, f) || !ParseMacField(op.peerMac, &v.peerMac, f)) return;
  NsFd peer;
  if (!op.peerNetns.empty() && (peer.fd = OpenNetnsFile(op.peerNetns, f)) < 0) return;
  v.peerNsFd = peer.fd;
  Socket* s = Rtnl(op.netns, f);
  if (!s) return;
  std::vector<Reply> ignored;
  s->Call(BuildVethCreate(v, s->NextSeq()), "RTM_NEWLINK", &ignored, f);
  About(f, op.name);
}

void Executor::LinkSet(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  LinkChange c;
  c.up = op.up;
  c.mtu = op.mtu;
  c.newName = op.newName;
  if (!ParseMacField(op.mac, &c.mac, f)) return;
  NsFd target;
  if (!op.moveToNetns.empty() && (target.fd = OpenNetnsFile(op.moveToNetns, f)) < 0) return;
  c.nsFd = target.fd;
  Socket* s = Rtnl(op.netns, f);
  if (!s || !Resolve(*s, op.name, &c.index, f)) return About(f, op.name);
  std::vector<Reply> ignored;
  s->Call(BuildLinkChange(c, s->NextSeq()), "RTM_NEWLINK", &ignored, f);
  About(f, op.name);
}

void Executor::LinkDel(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  Socket* s = Rtnl(op.netns, f);
  int index = 0;
  if (!s || !Resolve(*s, op.name, &index, f)) {
    if (op.ignoreMissing && IsMissing(*f)) *f = NativeFailure();
    return About(f, op.name);
  }
  std::vector<Reply> ignored;
  if (!s->Call(BuildLinkDel(index, s->NextSeq()), "RTM_DELLINK", &ignored, f) && op.ignoreMissing &&
      IsMissing(*f))
    *f = NativeFailure();
  About(f, op.name);
}

void Executor::LinkGet(const Op& op, OpOutcome* r) {
  r->value = OpOutcome::Value::Link;
  Socket* s = Rtnl(op.netns, &r->failure);
  if (s) GetLink(*s, op.name, &r->link, &r->found, &r->failure);
  About(&r->failure, op.name);
}

void Executor::LinkList(const Op& op, OpOutcome* r) {
  r->value = OpOutcome::Value::Links;
  Socket* s = Rtnl(op.netns, &r->failure);
  if (s) DumpLinks(*s, &r->links, &r->failure);
}

void Executor::AddrChange(const Op& op, bool add, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  InetPrefix p;
  if (!ParsePrefix(op.cidr, false, &p)) return (void)(*f = Invalid("CIDR '" + op.cidr + "'"));
  Socket* s = Rtnl(op.netns, f);
  int index = 0;
  if (!s || !Resolve(*s, op.name, &index, f)) {
    if (!add && op.ignoreMissing && IsMissing(*f)) *f = NativeFailure();
    return About(f, op.name);
  }
  std::vector<Reply> ignored;
  if (!s->Call(BuildAddr(add, index, p, s->NextSeq()), add ? "RTM_NEWADDR" : "RTM_DELADDR", &ignored, f) &&
      !add && op.ignoreMissing && f->err == EADDRNOTAVAIL)
    *f = NativeFailure();
  About(f, op.name + " " + op.cidr);
}

void Executor::AddrList(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  r->value = OpOutcome::Value::Addrs;
  Socket* s = Rtnl(op.netns, f);
  if (!s) return;
  int only = 0;
  if (!op.name.empty() && !Resolve(*s, op.name, &only, f)) return About(f, op.name);
  std::vector<Reply> replies;
  if (!s->Call(BuildAddrDump(s->NextSeq()), "RTM_GETADDR", &replies, f)) return;
  bool unnamed = false;
  for (const Reply& m : replies) {
    AddrInfo a;
    if (!DecodeAddr(reinterpret_cast<const struct nlmsghdr*>(m.data()), &a)) continue;
    if (only && a.index != only) continue;
    unnamed |= a.name.empty();
    r->addrs.push_back(a);
  }
  if (!unnamed) return;
  // IPv6 addresses carry no IFA_LABEL; name them from a link dump.
  std::map<int, std::string> names = LinkNames(*s, f);
  for (AddrInfo& a : r->addrs)
    if (a.name.empty()) a.name = names[a.index];
}

void Executor::RouteReplace(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  RouteSpec rs;
  if (!ParsePrefix(op.dst, true, &rs.dst)) return (void)(*f = Invalid("route destination '" + op.dst + "'"));
  if (!op.gateway.empty() && !ParsePrefix(op.gateway, false, &rs.gateway))
    return (void)(*f = Invalid("gateway '" + op.gateway + "'"));
  // "default" takes its family from the gateway.
  if (op.dst == "default" && rs.gateway.family == AF_INET6) {
    rs.dst.family = AF_INET6;
    rs.dst.addr.assign(16, 0);
  }
  if (rs.gateway.family && rs.gateway.family != rs.dst.family)
    return (void)(*f = Invalid("gateway family differs from destination " + op.dst));
  Socket* s = Rtnl(op.netns, f);
  if (!s) return;
  if (!op.dev.empty() && !Resolve(*s, op.dev, &rs.oif, f)) return About(f, op.dev);
  std::vector<Reply> ignored;
  s->Call(BuildRouteReplace(rs, s->NextSeq()), "RTM_NEWROUTE", &ignored, f);
  About(f, op.dst);
}

void Executor::RouteList(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  r->value = OpOutcome::Value::Routes;
  Socket* s = Rtnl(op.netns, f);
  if (!s) return;
  for (int family : {AF_INET, AF_INET6}) {
    std::vector<Reply> replies;
    if (!s->Call(BuildRouteDump(family, s->NextSeq()), "RTM_GETROUTE", &replies, f)) {
      // A namespace that never had a route of this family has no table to dump: empty, not an error.
      if (f->err != ENOENT) return;
      *f = NativeFailure();
      continue;
    }
    for (const Reply& m : replies) {
      RouteInfo ri;
      if (!DecodeRoute(reinterpret_cast<const struct nlmsghdr*>(m.data()), &ri)) continue;
      if (ri.table != RT_TABLE_MAIN || ri.type != RTN_UNICAST) continue;
      r->routes.push_back(ri);
    }
  }
  std::map<int, std::string> names = LinkNames(*s, f);
  for (RouteInfo& ri : r->routes)
    if (ri.oif) ri.dev = names[ri.oif];
}

void Executor::FeaturesGet(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  r->value = OpOutcome::Value::Features;
  uint16_t family = 0;
  Socket* s = Ethtool(op.netns, &family, f);
  if (!s) return;
  std::vector<Reply> names, feats;
  if (!s->Call(BuildFeatureNamesGet(family, op.name, s->NextSeq()), "ETHTOOL_MSG_STRSET_GET", &names, f) ||
      !s->Call(BuildFeaturesGet(family, op.name, s->NextSeq()), "ETHTOOL_MSG_FEATURES_GET", &feats, f))
    return About(f, op.name);
  std::vector<std::string> list;
  for (const Reply& m : names) list = DecodeFeatureNames(reinterpret_cast<const struct nlmsghdr*>(m.data()));
  for (const Reply& m : feats) r->features = DecodeFeatures(reinterpret_cast<const struct nlmsghdr*>(m.data()), list);
}

void Executor::FeaturesSet(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  OpOutcome current;
  FeaturesGet(op, &current);
  if (current.failure.failed()) return (void)(*f = current.failure);
  std::vector<std::pair<std::string, bool>> bits = ExpandFeatureAliases(op.features, current.features);
  if (bits.empty()) return;
  uint16_t family = 0;
  Socket* s = Ethtool(op.netns, &family, f);
  if (!s) return;
  std::vector<Reply> ignored;
  if (!s->Call(BuildFeaturesSet(family, op.name, bits, s->NextSeq()), "ETHTOOL_MSG_FEATURES_SET", &ignored, f))
    return About(f, op.name);
  // The kernel acks fixed or dependency-blocked bits without applying them; offloads decide TCP
  // correctness on the userspace datapath, so a silent no-op must surface as an error.
  OpOutcome after;
  FeaturesGet(op, &after);
  if (after.failure.failed()) return (void)(*f = after.failure);
  std::string missed;
  for (const auto& [name, on] : bits)
    for (const FeatureInfo& fi : after.features)
      if (fi.name == name && fi.active != on)
        missed += (missed.empty() ? "" : ", ") + name + (fi.changeable ? "" : " [fixed]") + (on ? " stays off" : " stays on");
  if (!missed.empty()) {
    f->code = "NP_NETLINK";
    f->err = EOPNOTSUPP;
    f->syscall = "ETHTOOL_MSG_FEATURES_SET";
    f->message = "ETHTOOL_MSG_FEATURES_SET: not applied: " + missed;
    About(f, op.name);
  }
}

}  // namespace netplugin::nl
