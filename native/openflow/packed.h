// Flow-mods laid out flat by the JS side (src/datapath/ovs/openflow/pack.ts): read back into codec structs
// without any per-property N-API call. Pure C++; the layout is documented once, here.
#pragma once
#include <cstddef>
#include <cstdint>

#include "openflow/flow_mod.h"

namespace netplugin::of {

// Layout, per mod, over two arrays: `words` (uint32) and `wide` (uint64, for 64-bit values).
//   words: tag                        kPackedMod, or kObjectMod (this mod is read from its JS object instead)
//   words: command tableId priority idleTimeout hardTimeout flags bufferId outPort outGroup
//   wide:  cookie cookieMask
//   words: nMatch, then per entry: fieldIndex (into Fields()), masked (0/1), value, [mask]
//   words: nInstructions, then per instruction: OFPIT type and its members:
//          GOTO_TABLE: tableId | WRITE_METADATA: wide metadata, wide mask | APPLY/WRITE_ACTIONS: nActions, actions
//          | CLEAR_ACTIONS: - | METER: meterId
//   action: words: OFPAT type, then OUTPUT: port maxLen | GROUP: groupId | SET_FIELD: fieldIndex value
//          | PUSH_VLAN: ethertype | POP_VLAN, DEC_NW_TTL: - | SET_QUEUE: queueId
//   value of a field: Uint64 kind: one wide; Mac: words high 16 bits, low 32 bits; Uint, Ipv4: one word.
// A full mask is encoded unmasked, as the object path does.
constexpr uint32_t kPackedMod = 0;
constexpr uint32_t kObjectMod = 1;

// A cursor over the two arrays; every read is bounds- and range-checked (EncodeError on a malformed layout).
class PackedReader {
 public:
  PackedReader(const uint32_t* words, size_t nWords, const uint64_t* wide, size_t nWide)
      : words_(words), nWords_(nWords), wide_(wide), nWide_(nWide) {}
  // The next word; throws unless it is <= max.
  uint32_t word(uint32_t max = 0xffffffffu);
  uint64_t wide();
  bool done() const { return w_ == nWords_; }

 private:
  const uint32_t* words_;
  size_t nWords_;
  const uint64_t* wide_;
  size_t nWide_;
  size_t w_ = 0, x_ = 0;
};

// Reads one kPackedMod body (after its tag).
FlowMod ReadPackedFlowMod(PackedReader& r);

}  // namespace netplugin::of
