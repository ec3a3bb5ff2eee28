#include "openflow/actions.h"

namespace netplugin::of {

namespace {
void SimpleAction(Writer& w, uint16_t type) {
  w.u16(type);
  w.u16(8);
  w.u32(0);
}
}  // namespace

void EncodeAction(Writer& w, const Action& a) {
  if (!a.raw.empty()) {
    w.bytes(a.raw.data(), a.raw.size());
    return;
  }
  size_t start = w.size();
  switch (a.type) {
    case OFPAT_OUTPUT:
      w.u16(OFPAT_OUTPUT);
      w.u16(16);
      w.u32(a.port);
      w.u16(a.maxLen);
      w.zeros(6);
      return;
    case OFPAT_GROUP:
      w.u16(OFPAT_GROUP);
      w.u16(8);
      w.u32(a.groupId);
      return;
    case OFPAT_SET_QUEUE:
      w.u16(OFPAT_SET_QUEUE);
      w.u16(8);
      w.u32(a.queueId);
      return;
    case OFPAT_PUSH_VLAN:
      w.u16(OFPAT_PUSH_VLAN);
      w.u16(8);
      w.u16(a.ethertype);
      w.zeros(2);
      return;
    case OFPAT_POP_VLAN:
    case OFPAT_DEC_NW_TTL:
    case OFPAT_COPY_TTL_OUT:
    case OFPAT_COPY_TTL_IN:
    case OFPAT_DEC_MPLS_TTL:
    case OFPAT_POP_PBB:
      SimpleAction(w, a.type);
      return;
    case OFPAT_SET_FIELD:
      w.u16(OFPAT_SET_FIELD);
      w.u16(0);
      EncodeOxm(w, a.field);
      w.pad8(start);
      w.patchLen(start + 2, start);
      return;
    case OFPAT_EXPERIMENTER:
      if (a.isCt) {
        EncodeConntrack(w, a.ct);
        return;
      }
      if (a.isConjunction) {
        w.u16(OFPAT_EXPERIMENTER);
        w.u16(sizeof(nx_action_conjunction));
        w.u32(NX_VENDOR_ID);
        w.u16(NXAST_CONJUNCTION);
        w.u8(a.clause);
        w.u8(a.nClauses);
        w.u32(a.conjId);
        return;
      }
      if (!a.isRegMove) break;
      w.u16(OFPAT_EXPERIMENTER);
      w.u16(0);
      w.u32(NX_VENDOR_ID);
      w.u16(NXAST_REG_MOVE);
      w.u16(a.nBits);
      w.u16(a.srcOfs);
      w.u16(a.dstOfs);
      w.u32(a.srcHeader);
      w.u32(a.dstHeader);
      w.pad8(start);
      w.patchLen(start + 2, start);
      return;
    default:
      break;
  }
  throw EncodeError("action type " + std::to_string(a.type) + " needs raw bytes");
}

void EncodeActions(Writer& w, const std::vector<Action>& actions) {
  for (const auto& a : actions) EncodeAction(w, a);
}

std::vector<Action> DecodeActions(Reader r) {
  std::vector<Action> out;
  while (r.remaining() > 0) {
    const uint8_t* begin = r.here();
    Action a;
    a.type = r.u16();
    uint16_t len = r.u16();
    if (len < 8 || len % 8) throw DecodeError("action length is not a multiple of 8");
    Reader body = r.sub(len - 4);
    switch (a.type) {
      case OFPAT_OUTPUT:
        a.port = body.u32();
        a.maxLen = body.u16();
        break;
      case OFPAT_GROUP:
        a.groupId = body.u32();
        break;
      case OFPAT_SET_QUEUE:
        a.queueId = body.u32();
        break;
      case OFPAT_PUSH_VLAN:
        a.ethertype = body.u16();
        break;
      case OFPAT_POP_VLAN:
      case OFPAT_DEC_NW_TTL:
      case OFPAT_COPY_TTL_OUT:
      case OFPAT_COPY_TTL_IN:
      case OFPAT_DEC_MPLS_TTL:
      case OFPAT_POP_PBB:
        break;
      case OFPAT_SET_FIELD:
        a.field = DecodeOxm(body);
        break;
      case OFPAT_EXPERIMENTER: {
        uint32_t vendor = body.u32();
        uint16_t subtype = body.remaining() >= 2 ? body.u16() : 0;
        if (vendor == NX_VENDOR_ID && subtype == NXAST_REG_MOVE && len >= 24) {
          a.isRegMove = true;
          a.nBits = body.u16();
          a.srcOfs = body.u16();
          a.dstOfs = body.u16();
          a.srcHeader = body.u32();
          a.dstHeader = body.u32();
        } else if (vendor == NX_VENDOR_ID && subtype == NXAST_CONJUNCTION && len == sizeof(nx_action_conjunction)) {
          a.clause = body.u8();
          a.nClauses = body.u8();
          a.conjId = body.u32();
          // Only the forms vswitchd accepts are modelled; others keep their bytes.
          a.isConjunction = a.nClauses >= CONJUNCTION_MIN_CLAUSES && a.nClauses <= CONJUNCTION_MAX_CLAUSES && a.clause < a.nClauses;
          if (!a.isConjunction) a.raw.assign(begin, begin + len);
        } else if (vendor == NX_VENDOR_ID && subtype == NXAST_CT && DecodeConntrack(begin, len, &a.ct)) {
          a.isCt = true;
        } else {
          a.raw.assign(begin, begin + len);
        }
        break;
      }
      default:
        a.raw.assign(begin, begin + len);
        break;
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace netplugin::of
