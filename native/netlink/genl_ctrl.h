// Generic netlink controller: resolves a family id by name at run time (pure codec).
#pragma once
#include <linux/genetlink.h>

#include <string>
#include <vector>

namespace netplugin::nl {

static_assert(sizeof(struct genlmsghdr) == 4, "genlmsghdr wire size");

// CTRL_CMD_GETFAMILY for one family name.
std::vector<uint8_t> BuildGetFamily(const std::string& name, uint32_t seq);
// Reads CTRL_ATTR_FAMILY_ID from the controller's reply; 0 when absent.
uint16_t DecodeFamilyId(const struct nlmsghdr* h);

}  // namespace netplugin::nl
