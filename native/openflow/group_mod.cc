#include "openflow/group_mod.h"

namespace netplugin::of {

void EncodeBuckets(Writer& w, const std::vector<Bucket>& buckets) {
  for (const auto& b : buckets) {
    size_t start = w.size();
    w.u16(0);
    w.u16(b.weight);
    w.u32(b.watchPort);
    w.u32(b.watchGroup);
    w.zeros(4);
    EncodeActions(w, b.actions);
    w.patchLen(start, start);
  }
}

std::vector<Bucket> DecodeBuckets(Reader r) {
  std::vector<Bucket> out;
  while (r.remaining() > 0) {
    Bucket b;
    uint16_t len = r.u16();
    if (len < 16) throw DecodeError("bucket shorter than 16 bytes");
    Reader body = r.sub(len - 2);
    b.weight = body.u16();
    b.watchPort = body.u32();
    b.watchGroup = body.u32();
    body.skip(4);
    b.actions = DecodeActions(body);
    out.push_back(std::move(b));
  }
  return out;
}

void EncodeGroupMod(std::vector<uint8_t>& out, uint8_t version, uint32_t xid, const GroupMod& g) {
  Writer w(out);
  size_t start = BeginMessage(w, version, OFPT_GROUP_MOD, xid);
  w.u16(g.command);
  w.u8(g.type);
  w.u8(0);
  w.u32(g.groupId);
  EncodeBuckets(w, g.buckets);
  EndMessage(w, start);
}

GroupMod DecodeGroupMod(Reader body) {
  GroupMod g;
  g.command = body.u16();
  g.type = body.u8();
  body.skip(1);
  g.groupId = body.u32();
  g.buckets = DecodeBuckets(body);
  return g;
}

}  // namespace netplugin::of
