// ethtool generic-netlink feature requests (STRSET_GET, FEATURES_GET/SET) and decoders (pure).
#pragma once
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/netlink.h>

#include <string>
#include <utility>
#include <vector>

#include "netlink/types.h"

namespace netplugin::nl {

// ETHTOOL_MSG_STRSET_GET for the ETH_SS_FEATURES names of one device.
std::vector<uint8_t> BuildFeatureNamesGet(uint16_t family, const std::string& dev, uint32_t seq);
// ETHTOOL_MSG_FEATURES_GET with compact bitsets.
std::vector<uint8_t> BuildFeaturesGet(uint16_t family, const std::string& dev, uint32_t seq);
// ETHTOOL_MSG_FEATURES_SET of the wanted bits, named (verbose bitset without NOMASK: only listed bits change).
std::vector<uint8_t> BuildFeaturesSet(uint16_t family, const std::string& dev,
                                      const std::vector<std::pair<std::string, bool>>& bits, uint32_t seq);
// Reads the feature names (index = bit) from a STRSET_GET reply.
std::vector<std::string> DecodeFeatureNames(const struct nlmsghdr* h);
// Combines a FEATURES_GET reply with the names: active bits, and changeable = hw && !nochange.
std::vector<FeatureInfo> DecodeFeatures(const struct nlmsghdr* h, const std::vector<std::string>& names);
// Expands ethtool CLI aliases ("tx", "tso", "gso", "gro", "sg", ...) to kernel feature names.
std::vector<std::pair<std::string, bool>> ExpandFeatureAliases(const std::vector<std::pair<std::string, bool>>& req,
                                                               const std::vector<FeatureInfo>& current);

}  // namespace netplugin::nl
