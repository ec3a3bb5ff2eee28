#include "netlink/genl_ctrl.h"

#include "netlink/attr.h"

namespace netplugin::nl {

std::vector<uint8_t> BuildGetFamily(const std::string& name, uint32_t seq) {
  MessageBuilder m(GENL_ID_CTRL, NLM_F_REQUEST);
  struct genlmsghdr g {};
  g.cmd = CTRL_CMD_GETFAMILY;
  g.version = 1;
  m.Header(g);
  m.PutString(CTRL_ATTR_FAMILY_NAME, name);
  return m.Finish(seq);
}

uint16_t DecodeFamilyId(const struct nlmsghdr* h) {
  if (h->nlmsg_type != GENL_ID_CTRL) return 0;
  return MessageAttrs(h, sizeof(struct genlmsghdr)).U16(CTRL_ATTR_FAMILY_ID);
}

}  // namespace netplugin::nl
