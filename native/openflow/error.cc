#include "openflow/error.h"

#include <map>
#include <utility>

namespace netplugin::of {

ErrorMsg DecodeError(Reader body) {
  ErrorMsg e;
  e.type = body.u16();
  if (e.type == OFPET_EXPERIMENTER) {
    e.code = body.u16();  // exp_type
    e.experimenter = body.u32();
  } else {
    e.code = body.u16();
  }
  e.data.assign(body.here(), body.here() + body.remaining());
  return e;
}

std::string ErrorName(uint16_t type, uint16_t code) {
  // Codes a flow/group programmer actually meets; the rest print as numbers.
  static const std::map<std::pair<uint16_t, uint16_t>, const char*> names = {
      {{0, 0}, "OFPHFC_INCOMPATIBLE"}, {{0, 1}, "OFPHFC_EPERM"},
      {{1, 0}, "OFPBRC_BAD_VERSION"}, {{1, 1}, "OFPBRC_BAD_TYPE"}, {{1, 2}, "OFPBRC_BAD_MULTIPART"},
      {{1, 3}, "OFPBRC_BAD_EXPERIMENTER"}, {{1, 4}, "OFPBRC_BAD_EXP_TYPE"}, {{1, 5}, "OFPBRC_EPERM"},
      {{1, 6}, "OFPBRC_BAD_LEN"}, {{1, 7}, "OFPBRC_BUFFER_EMPTY"}, {{1, 8}, "OFPBRC_BUFFER_UNKNOWN"},
      {{1, 9}, "OFPBRC_BAD_TABLE_ID"}, {{1, 10}, "OFPBRC_IS_SLAVE"}, {{1, 11}, "OFPBRC_BAD_PORT"},
      {{1, 12}, "OFPBRC_BAD_PACKET"}, {{1, 13}, "OFPBRC_MULTIPART_BUFFER_OVERFLOW"},
      {{2, 0}, "OFPBAC_BAD_TYPE"}, {{2, 1}, "OFPBAC_BAD_LEN"}, {{2, 2}, "OFPBAC_BAD_EXPERIMENTER"},
      {{2, 3}, "OFPBAC_BAD_EXP_TYPE"}, {{2, 4}, "OFPBAC_BAD_OUT_PORT"}, {{2, 5}, "OFPBAC_BAD_ARGUMENT"},
      {{2, 6}, "OFPBAC_EPERM"}, {{2, 7}, "OFPBAC_TOO_MANY"}, {{2, 8}, "OFPBAC_BAD_QUEUE"},
      {{2, 9}, "OFPBAC_BAD_OUT_GROUP"}, {{2, 10}, "OFPBAC_MATCH_INCONSISTENT"},
      {{2, 11}, "OFPBAC_UNSUPPORTED_ORDER"}, {{2, 12}, "OFPBAC_BAD_TAG"}, {{2, 13}, "OFPBAC_BAD_SET_TYPE"},
      {{2, 14}, "OFPBAC_BAD_SET_LEN"}, {{2, 15}, "OFPBAC_BAD_SET_ARGUMENT"},
      {{3, 0}, "OFPBIC_UNKNOWN_INST"}, {{3, 1}, "OFPBIC_UNSUP_INST"}, {{3, 2}, "OFPBIC_BAD_TABLE_ID"},
      {{3, 3}, "OFPBIC_UNSUP_METADATA"}, {{3, 4}, "OFPBIC_UNSUP_METADATA_MASK"},
      {{3, 5}, "OFPBIC_BAD_EXPERIMENTER"}, {{3, 6}, "OFPBIC_BAD_EXP_TYPE"}, {{3, 7}, "OFPBIC_BAD_LEN"},
      {{3, 8}, "OFPBIC_EPERM"},
      {{4, 0}, "OFPBMC_BAD_TYPE"}, {{4, 1}, "OFPBMC_BAD_LEN"}, {{4, 2}, "OFPBMC_BAD_TAG"},
      {{4, 3}, "OFPBMC_BAD_DL_ADDR_MASK"}, {{4, 4}, "OFPBMC_BAD_NW_ADDR_MASK"}, {{4, 5}, "OFPBMC_BAD_WILDCARDS"},
      {{4, 6}, "OFPBMC_BAD_FIELD"}, {{4, 7}, "OFPBMC_BAD_VALUE"}, {{4, 8}, "OFPBMC_BAD_MASK"},
      {{4, 9}, "OFPBMC_BAD_PREREQ"}, {{4, 10}, "OFPBMC_DUP_FIELD"}, {{4, 11}, "OFPBMC_EPERM"},
      {{5, 0}, "OFPFMFC_UNKNOWN"}, {{5, 1}, "OFPFMFC_TABLE_FULL"}, {{5, 2}, "OFPFMFC_BAD_TABLE_ID"},
      {{5, 3}, "OFPFMFC_OVERLAP"}, {{5, 4}, "OFPFMFC_EPERM"}, {{5, 5}, "OFPFMFC_BAD_TIMEOUT"},
      {{5, 6}, "OFPFMFC_BAD_COMMAND"}, {{5, 7}, "OFPFMFC_BAD_FLAGS"},
      {{6, 0}, "OFPGMFC_GROUP_EXISTS"}, {{6, 1}, "OFPGMFC_INVALID_GROUP"}, {{6, 2}, "OFPGMFC_WEIGHT_UNSUPPORTED"},
      {{6, 3}, "OFPGMFC_OUT_OF_GROUPS"}, {{6, 4}, "OFPGMFC_OUT_OF_BUCKETS"}, {{6, 5}, "OFPGMFC_CHAINING_UNSUPPORTED"},
      {{6, 6}, "OFPGMFC_WATCH_UNSUPPORTED"}, {{6, 7}, "OFPGMFC_LOOP"}, {{6, 8}, "OFPGMFC_UNKNOWN_GROUP"},
      {{6, 9}, "OFPGMFC_CHAINED_GROUP"}, {{6, 10}, "OFPGMFC_BAD_TYPE"}, {{6, 11}, "OFPGMFC_BAD_COMMAND"},
      {{6, 12}, "OFPGMFC_BAD_BUCKET"}, {{6, 13}, "OFPGMFC_BAD_WATCH"}, {{6, 14}, "OFPGMFC_EPERM"},
      {{12, 1}, "OFPMMFC_METER_EXISTS"}, {{12, 2}, "OFPMMFC_INVALID_METER"}, {{12, 3}, "OFPMMFC_UNKNOWN_METER"},
      {{17, 0}, "OFPBFC_UNKNOWN"}, {{17, 1}, "OFPBFC_EPERM"}, {{17, 2}, "OFPBFC_BAD_ID"},
      {{17, 3}, "OFPBFC_BUNDLE_EXIST"}, {{17, 4}, "OFPBFC_BUNDLE_CLOSED"}, {{17, 5}, "OFPBFC_OUT_OF_BUNDLES"},
      {{17, 6}, "OFPBFC_BAD_TYPE"}, {{17, 7}, "OFPBFC_BAD_FLAGS"}, {{17, 8}, "OFPBFC_MSG_BAD_LEN"},
      {{17, 9}, "OFPBFC_MSG_BAD_XID"}, {{17, 10}, "OFPBFC_MSG_UNSUP"}, {{17, 11}, "OFPBFC_MSG_CONFLICT"},
      {{17, 12}, "OFPBFC_MSG_TOO_MANY"}, {{17, 13}, "OFPBFC_MSG_FAILED"}, {{17, 14}, "OFPBFC_TIMEOUT"},
      {{17, 15}, "OFPBFC_BUNDLE_IN_PROGRESS"},
  };
  auto it = names.find({type, code});
  if (it != names.end()) return it->second;
  return "OFPET " + std::to_string(type) + " code " + std::to_string(code);
}

}  // namespace netplugin::of
