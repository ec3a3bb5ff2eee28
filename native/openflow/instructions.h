// Instruction list encoding (OpenFlow 1.3 §7.2.4).
#pragma once
#include <cstdint>
#include <vector>

#include "openflow/actions.h"

namespace netplugin::of {

// Instruction types (enum ofp_instruction_type).
enum ofp_instruction_type : uint16_t {
  OFPIT_GOTO_TABLE = 1,
  OFPIT_WRITE_METADATA = 2,
  OFPIT_WRITE_ACTIONS = 3,
  OFPIT_APPLY_ACTIONS = 4,
  OFPIT_CLEAR_ACTIONS = 5,
  OFPIT_METER = 6,
  OFPIT_EXPERIMENTER = 0xFFFF,
};

// Wire layouts of the fixed instructions.
struct ofp_instruction_goto_table {
  uint16_t type;
  uint16_t len;
  uint8_t table_id;
  uint8_t pad[3];
};
static_assert(sizeof(ofp_instruction_goto_table) == 8, "goto_table is 8 bytes");
struct ofp_instruction_write_metadata {
  uint16_t type;
  uint16_t len;
  uint8_t pad[4];
  uint64_t metadata;
  uint64_t metadata_mask;
};
static_assert(sizeof(ofp_instruction_write_metadata) == 24, "write_metadata is 24 bytes");
struct ofp_instruction_actions {
  uint16_t type;
  uint16_t len;
  uint8_t pad[4];
};
static_assert(sizeof(ofp_instruction_actions) == 8, "instruction_actions header is 8 bytes");

// One instruction; `type` selects which members are meaningful.
struct Instruction {
  uint16_t type = OFPIT_GOTO_TABLE;
  uint8_t tableId = 0;
  uint64_t metadata = 0, metadataMask = 0;
  uint32_t meterId = 0;
  std::vector<Action> actions;
  std::vector<uint8_t> raw;  // whole instruction, for experimenter instructions
};

// Writes instructions back to back.
void EncodeInstructions(Writer& w, const std::vector<Instruction>& ins);
// Reads instructions until the reader is exhausted.
std::vector<Instruction> DecodeInstructions(Reader r);

}  // namespace netplugin::of
