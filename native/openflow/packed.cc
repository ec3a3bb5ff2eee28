#include "openflow/packed.h"

#include <algorithm>
#include <string>

namespace netplugin::of {

uint32_t PackedReader::word(uint32_t max) {
  if (w_ >= nWords_) throw EncodeError("packed flow-mods end early");
  uint32_t v = words_[w_++];
  if (v > max) throw EncodeError("packed flow-mods: value " + std::to_string(v) + " above " + std::to_string(max));
  return v;
}

uint64_t PackedReader::wide() {
  if (x_ >= nWide_) throw EncodeError("packed flow-mods end early (64-bit values)");
  return wide_[x_++];
}

namespace {
bool AllOnes(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0xff) return false;
  return true;
}

const FieldInfo& FieldAt(PackedReader& r) {
  const auto& fields = Fields();
  return fields[r.word(uint32_t(fields.size() - 1))];
}

// One field value, big-endian into `out` (info.width bytes).
void ReadValue(PackedReader& r, const FieldInfo& f, uint8_t* out) {
  uint64_t x;
  switch (f.kind) {
    case FieldKind::Uint64:
      x = r.wide();
      break;
    case FieldKind::Mac:
      x = uint64_t(r.word(0xffff)) << 32;
      x |= r.word();
      break;
    default:
      x = r.word(f.width >= 4 ? 0xffffffffu : (1u << (f.width * 8)) - 1);
  }
  for (int i = f.width - 1; i >= 0; --i, x >>= 8) out[i] = uint8_t(x);
}

Match ReadMatch(PackedReader& r) {
  const FieldInfo* base = Fields().data();
  uint32_t n = r.word(uint32_t(Fields().size()));
  std::vector<std::pair<size_t, OxmTlv>> tlvs;
  tlvs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    const FieldInfo& f = FieldAt(r);
    bool masked = r.word(1) == 1;
    OxmTlv t;
    t.oxmClass = f.oxmClass;
    t.field = f.field;
    t.length = f.width;
    ReadValue(r, f, t.value.data());
    if (masked) {
      if (!f.maskable) throw EncodeError(std::string("match field '") + f.name + "' cannot be masked");
      ReadValue(r, f, t.mask.data());
      t.hasMask = !AllOnes(t.mask.data(), f.width);
    }
    NormaliseMatchTlv(f, t);
    for (auto& p : tlvs)
      if (p.first == size_t(&f - base)) throw EncodeError(std::string("packed match repeats ") + f.name);
    tlvs.emplace_back(size_t(&f - base), t);
  }
  std::sort(tlvs.begin(), tlvs.end(), [](auto& a, auto& b) { return a.first < b.first; });
  Match m;
  m.reserve(tlvs.size());
  for (auto& p : tlvs) m.push_back(p.second);
  return m;
}

Action ReadAction(PackedReader& r) {
  Action a;
  a.type = uint16_t(r.word(0xffff));
  switch (a.type) {
    case OFPAT_OUTPUT:
      a.port = r.word();
      a.maxLen = uint16_t(r.word(0xffff));
      break;
    case OFPAT_GROUP:
      a.groupId = r.word();
      break;
    case OFPAT_SET_FIELD: {
      const FieldInfo& f = FieldAt(r);
      a.field.oxmClass = f.oxmClass;
      a.field.field = f.field;
      a.field.length = f.width;
      ReadValue(r, f, a.field.value.data());
      break;
    }
    case OFPAT_PUSH_VLAN:
      a.ethertype = uint16_t(r.word(0xffff));
      break;
    case OFPAT_POP_VLAN:
    case OFPAT_DEC_NW_TTL:
      break;
    case OFPAT_SET_QUEUE:
      a.queueId = r.word();
      break;
    default:
      throw EncodeError("packed action of unknown type " + std::to_string(a.type));
  }
  return a;
}

std::vector<Instruction> ReadInstructions(PackedReader& r) {
  uint32_t n = r.word(0xffff);
  std::vector<Instruction> out(n);
  for (auto& i : out) {
    i.type = uint16_t(r.word(0xffff));
    switch (i.type) {
      case OFPIT_GOTO_TABLE:
        i.tableId = uint8_t(r.word(0xff));
        break;
      case OFPIT_WRITE_METADATA:
        i.metadata = r.wide();
        i.metadataMask = r.wide();
        break;
      case OFPIT_APPLY_ACTIONS:
      case OFPIT_WRITE_ACTIONS: {
        uint32_t na = r.word(0xffff);
        i.actions.reserve(na);
        for (uint32_t k = 0; k < na; ++k) i.actions.push_back(ReadAction(r));
        break;
      }
      case OFPIT_CLEAR_ACTIONS:
        break;
      case OFPIT_METER:
        i.meterId = r.word();
        break;
      default:
        throw EncodeError("packed instruction of unknown type " + std::to_string(i.type));
    }
  }
  return out;
}
}  // namespace

FlowMod ReadPackedFlowMod(PackedReader& r) {
  FlowMod m;
  m.command = uint8_t(r.word(OFPFC_DELETE_STRICT));
  m.tableId = uint8_t(r.word(0xff));
  m.priority = uint16_t(r.word(0xffff));
  m.idleTimeout = uint16_t(r.word(0xffff));
  m.hardTimeout = uint16_t(r.word(0xffff));
  m.flags = uint16_t(r.word(0xffff));
  m.bufferId = r.word();
  m.outPort = r.word();
  m.outGroup = r.word();
  m.cookie = r.wide();
  m.cookieMask = r.wide();
  m.match = ReadMatch(r);
  m.instructions = ReadInstructions(r);
  return m;
}

}  // namespace netplugin::of
