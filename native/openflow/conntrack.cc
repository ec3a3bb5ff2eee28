#include "openflow/conntrack.h"

#include <cstring>
#include <vector>

#include "openflow/actions.h"

namespace netplugin::of {

namespace {
constexpr uint16_t kNatFlagsModelled = NX_NAT_F_SRC | NX_NAT_F_DST | NX_NAT_F_PERSISTENT | NX_NAT_F_PROTO_RANDOM;
constexpr uint16_t kNatRangesModelled =
    NX_NAT_RANGE_IPV4_MIN | NX_NAT_RANGE_IPV4_MAX | NX_NAT_RANGE_PROTO_MIN | NX_NAT_RANGE_PROTO_MAX;

bool IsSnatOrDnat(const CtNat& n) { return n.flags & (NX_NAT_F_SRC | NX_NAT_F_DST); }

// encode_NAT in OVS: parameters only for a src/dst NAT, each only when non-zero, then padding to 8.
void EncodeNat(Writer& w, const CtNat& n) {
  size_t start = w.size();
  w.u16(OFPAT_EXPERIMENTER);
  w.u16(0);
  w.u32(NX_VENDOR_ID);
  w.u16(NXAST_NAT);
  w.zeros(2);
  w.u16(n.flags);
  size_t rangeAt = w.size();
  w.u16(0);
  uint16_t present = 0;
  if (IsSnatOrDnat(n)) {
    w.u32(n.ipv4Min);
    present |= NX_NAT_RANGE_IPV4_MIN;
    if (n.ipv4Max) {
      w.u32(n.ipv4Max);
      present |= NX_NAT_RANGE_IPV4_MAX;
    }
    if (n.protoMin) {
      w.u16(n.protoMin);
      present |= NX_NAT_RANGE_PROTO_MIN;
    }
    if (n.protoMax) {
      w.u16(n.protoMax);
      present |= NX_NAT_RANGE_PROTO_MAX;
    }
  }
  w.pad8(start);
  w.patch16(rangeAt, present);
  w.patchLen(start + 2, start);
}

// The nested NXAST_NAT (the whole action, `len` bytes); false for any form not modelled.
bool DecodeNat(Reader r, CtNat* out) {
  if (r.remaining() < sizeof(nx_action_nat)) return false;
  if (r.u16() != OFPAT_EXPERIMENTER) return false;
  r.u16();  // length: the caller handed exactly this action
  if (r.u32() != NX_VENDOR_ID || r.u16() != NXAST_NAT) return false;
  r.u16();  // pad: a non-zero pad fails the re-encoding comparison
  CtNat n;
  n.flags = r.u16();
  uint16_t present = r.u16();
  if (n.flags & ~kNatFlagsModelled || present & ~kNatRangesModelled) return false;
  bool src = n.flags & NX_NAT_F_SRC, dst = n.flags & NX_NAT_F_DST;
  if (!src && !dst) {
    // Bare `nat`: flags and parameters only exist for src/dst.
    if (n.flags || present) return false;
    *out = n;
    return true;
  }
  if ((src && dst) || !(present & NX_NAT_RANGE_IPV4_MIN)) return false;
  if ((present & NX_NAT_RANGE_PROTO_MAX) && !(present & NX_NAT_RANGE_PROTO_MIN)) return false;
  if (r.remaining() < 4) return false;
  n.ipv4Min = r.u32();
  if (present & NX_NAT_RANGE_IPV4_MAX) {
    if (r.remaining() < 4) return false;
    n.ipv4Max = r.u32();
    if (n.ipv4Max == 0) return false;
  }
  if (present & NX_NAT_RANGE_PROTO_MIN) {
    if (r.remaining() < 2) return false;
    n.protoMin = r.u16();
    if (n.protoMin == 0) return false;
  }
  if (present & NX_NAT_RANGE_PROTO_MAX) {
    if (r.remaining() < 2) return false;
    n.protoMax = r.u16();
    if (n.protoMax == 0) return false;
  }
  *out = n;
  return true;
}
}  // namespace

void ValidateConntrack(const Conntrack& ct) {
  if (ct.flags & ~NX_CT_F_COMMIT) throw EncodeError("ct: only the commit flag is supported");
  if (!ct.hasNat) return;
  const CtNat& n = ct.nat;
  if (!IsSnatOrDnat(n)) {
    if (n.flags || n.ipv4Min || n.ipv4Max || n.protoMin || n.protoMax)
      throw EncodeError("ct.nat: a restoring nat takes no range or flags");
    return;
  }
  if ((n.flags & NX_NAT_F_SRC) && (n.flags & NX_NAT_F_DST)) throw EncodeError("ct.nat: src and dst exclude each other");
  if (n.flags & ~kNatFlagsModelled) throw EncodeError("ct.nat: unsupported flags");
  // vswitchd refuses a ct that changes addresses without committing the connection.
  if (!(ct.flags & NX_CT_F_COMMIT)) throw EncodeError("ct.nat: a src/dst nat requires ct.commit");
  // OVS leaves zero bounds out of the encoding, so a zero would come back as a different action.
  if (n.ipv4Min == 0) throw EncodeError("ct.nat.ipMin must not be 0.0.0.0");
  if (n.ipv4Max && n.ipv4Max < n.ipv4Min) throw EncodeError("ct.nat.ipMax must not be below ipMin");
  if (n.protoMax && !n.protoMin) throw EncodeError("ct.nat.portMax needs portMin");
  if (n.protoMax && n.protoMax < n.protoMin) throw EncodeError("ct.nat.portMax must not be below portMin");
}

void EncodeConntrack(Writer& w, const Conntrack& ct) {
  ValidateConntrack(ct);
  size_t start = w.size();
  w.u16(OFPAT_EXPERIMENTER);
  w.u16(0);
  w.u32(NX_VENDOR_ID);
  w.u16(NXAST_CT);
  w.u16(ct.flags);
  w.u32(0);  // zone_src: the zone is the immediate below
  w.u16(ct.zone);
  w.u8(ct.recircTable);
  w.zeros(3);
  w.u16(0);  // alg
  if (ct.hasNat) EncodeNat(w, ct.nat);
  w.patchLen(start + 2, start);
}

bool DecodeConntrack(const uint8_t* action, size_t len, Conntrack* out) {
  if (len < sizeof(nx_action_conntrack)) return false;
  Reader r(action, len);
  r.skip(8);  // type, len, vendor: checked by the caller
  if (r.u16() != NXAST_CT) return false;
  Conntrack ct;
  ct.flags = r.u16();
  uint32_t zoneSrc = r.u32();
  ct.zone = r.u16();
  ct.recircTable = r.u8();
  r.skip(3);
  uint16_t alg = r.u16();
  if (ct.flags & ~NX_CT_F_COMMIT || zoneSrc != 0 || alg != 0) return false;
  if (r.remaining() > 0) {
    // Only a single nested NAT is modelled (no exec actions).
    Reader nested = r;
    if (nested.remaining() < 4) return false;
    nested.skip(2);
    if (nested.u16() != r.remaining()) return false;
    if (!DecodeNat(r.sub(r.remaining()), &ct.nat)) return false;
    ct.hasNat = true;
  }
  try {
    ValidateConntrack(ct);
  } catch (const EncodeError&) {
    return false;
  }
  // Anything the fields above do not capture (pads, trailing bytes) would be lost on re-encoding.
  std::vector<uint8_t> again;
  Writer w(again);
  EncodeConntrack(w, ct);
  if (again.size() != len || std::memcmp(again.data(), action, len) != 0) return false;
  *out = ct;
  return true;
}

}  // namespace netplugin::of
