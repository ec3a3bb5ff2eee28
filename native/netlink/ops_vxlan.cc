// Executor operations for the kernel VXLAN fast path: vxlan devices and their static FDB.
#include <sys/socket.h>

#include <cerrno>

#include "netlink/ops.h"
#include "netlink/ops_detail.h"
#include "netlink/rtnl_fdb.h"
#include "netlink/rtnl_vxlan.h"

namespace netplugin::nl {

namespace {

// VNIs are 24-bit on the wire; the kernel would reject a larger one with a vaguer message.
constexpr uint32_t kMaxVni = (1u << 24) - 1;

}  // namespace

void Executor::CreateVxlan(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  VxlanSpec v;
  v.name = op.name;
  v.vni = op.vni;
  v.dstPort = op.dstPort;
  v.learning = op.learning;
  v.mtu = op.mtu;
  if (op.vni > kMaxVni) return (void)(*f = Invalid("VNI " + std::to_string(op.vni)));
  if (!op.local.empty() && (!ParsePrefix(op.local, false, &v.local) || v.local.prefixLen >= 0))
    return (void)(*f = Invalid("local address '" + op.local + "'"));
  Socket* s = Rtnl(op.netns, f);
  if (!s) return;
  if (!op.dev.empty() && !Resolve(*s, op.dev, &v.linkIndex, f)) return About(f, op.dev);
  std::vector<Reply> ignored;
  s->Call(BuildVxlanCreate(v, s->NextSeq()), "RTM_NEWLINK", &ignored, f);
  About(f, op.name);
}

void Executor::FdbChange(const Op& op, bool add, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  FdbSpec e;
  if (op.mac.empty()) return (void)(*f = Invalid("fdb entry without MAC"));
  if (!ParseMacField(op.mac, &e.mac, f)) return;
  if (!ParsePrefix(op.dst, false, &e.dst) || e.dst.prefixLen >= 0)
    return (void)(*f = Invalid("fdb destination '" + op.dst + "'"));
  const std::string what = op.dev + " " + op.mac + " dst " + op.dst;
  Socket* s = Rtnl(op.netns, f);
  if (!s || !Resolve(*s, op.dev, &e.index, f)) {
    if (!add && op.ignoreMissing && IsMissing(*f)) *f = NativeFailure();
    return About(f, op.dev);
  }
  std::vector<Reply> ignored;
  if (!s->Call(BuildFdb(add, e, s->NextSeq()), add ? "RTM_NEWNEIGH" : "RTM_DELNEIGH", &ignored, f)) {
    // Appending a pair that is already there is the state the caller wants.
    if (add && f->err == EEXIST) *f = NativeFailure();
    if (!add && op.ignoreMissing && IsMissing(*f)) *f = NativeFailure();
  }
  About(f, what);
}

void Executor::FdbList(const Op& op, OpOutcome* r) {
  NativeFailure* f = &r->failure;
  r->value = OpOutcome::Value::Fdb;
  Socket* s = Rtnl(op.netns, f);
  int index = 0;
  if (!s || !Resolve(*s, op.dev, &index, f)) return About(f, op.dev);
  std::vector<Reply> replies;
  if (!s->Call(BuildFdbDump(index, s->NextSeq()), "RTM_GETNEIGH", &replies, f)) return About(f, op.dev);
  for (const Reply& m : replies) {
    FdbInfo e;
    // The kernel filters by ndm_ifindex under strict checking; without it, this does.
    if (DecodeFdb(reinterpret_cast<const struct nlmsghdr*>(m.data()), &e) && e.index == index) r->fdb.push_back(e);
  }
}

}  // namespace netplugin::nl
