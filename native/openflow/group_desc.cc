#include "openflow/group_desc.h"

namespace netplugin::of {

void EncodeGroupDescRequest(std::vector<uint8_t>& out, uint8_t version, uint32_t xid) {
  Writer w(out);
  EndMessage(w, BeginMultipart(w, version, OFPT_MULTIPART_REQUEST, xid, OFPMP_GROUP_DESC, 0));
}

std::vector<GroupDesc> DecodeGroupDescReply(Reader body) {
  std::vector<GroupDesc> out;
  while (body.remaining() > 0) {
    uint16_t len = body.u16();
    if (len < 8) throw DecodeError("ofp_group_desc shorter than 8 bytes");
    Reader r = body.sub(len - 2);
    GroupDesc g;
    g.type = r.u8();
    r.skip(1);
    g.groupId = r.u32();
    g.buckets = DecodeBuckets(r);
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace netplugin::of
