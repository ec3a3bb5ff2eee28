#include "openflow/instructions.h"

namespace netplugin::of {

void EncodeInstructions(Writer& w, const std::vector<Instruction>& ins) {
  for (const auto& i : ins) {
    size_t start = w.size();
    if (!i.raw.empty()) {
      w.bytes(i.raw.data(), i.raw.size());
      continue;
    }
    w.u16(i.type);
    w.u16(0);
    switch (i.type) {
      case OFPIT_GOTO_TABLE:
        w.u8(i.tableId);
        w.zeros(3);
        break;
      case OFPIT_WRITE_METADATA:
        w.zeros(4);
        w.u64(i.metadata);
        w.u64(i.metadataMask);
        break;
      case OFPIT_WRITE_ACTIONS:
      case OFPIT_APPLY_ACTIONS:
        w.zeros(4);
        EncodeActions(w, i.actions);
        break;
      case OFPIT_CLEAR_ACTIONS:
        w.zeros(4);
        break;
      case OFPIT_METER:
        w.u32(i.meterId);
        break;
      default:
        throw EncodeError("instruction type " + std::to_string(i.type) + " needs raw bytes");
    }
    w.patchLen(start + 2, start);
  }
}

std::vector<Instruction> DecodeInstructions(Reader r) {
  std::vector<Instruction> out;
  while (r.remaining() > 0) {
    const uint8_t* begin = r.here();
    Instruction i;
    i.type = r.u16();
    uint16_t len = r.u16();
    if (len < 8) throw DecodeError("instruction shorter than 8 bytes");
    Reader body = r.sub(len - 4);
    switch (i.type) {
      case OFPIT_GOTO_TABLE:
        i.tableId = body.u8();
        break;
      case OFPIT_WRITE_METADATA:
        body.skip(4);
        i.metadata = body.u64();
        i.metadataMask = body.u64();
        break;
      case OFPIT_WRITE_ACTIONS:
      case OFPIT_APPLY_ACTIONS:
        body.skip(4);
        i.actions = DecodeActions(body);
        break;
      case OFPIT_CLEAR_ACTIONS:
        break;
      case OFPIT_METER:
        i.meterId = body.u32();
        break;
      default:
        i.raw.assign(begin, begin + len);
        break;
    }
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace netplugin::of
