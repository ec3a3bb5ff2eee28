// Pure netlink TLV codec: builds request messages and walks attribute runs.
// No sockets here, so the bytes can be checked against captured fixtures.
#pragma once
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace netplugin::nl {

static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr wire size");
static_assert(sizeof(struct nlattr) == 4, "nlattr wire size");

// Appends one netlink message (header, family header, attributes) to a byte vector.
class MessageBuilder {
 public:
  MessageBuilder(uint16_t type, uint16_t flags);

  // Appends the fixed family header (ifinfomsg, rtmsg, genlmsghdr, ...), padded.
  template <class T>
  void Header(const T& h) {
    Raw(&h, sizeof(h));
  }
  // Appends raw bytes padded to NLMSG_ALIGNTO.
  void Raw(const void* data, size_t len);
  // Appends one attribute with an arbitrary payload.
  void Put(uint16_t type, const void* data, size_t len);
  void PutU8(uint16_t type, uint8_t v) { Put(type, &v, 1); }
  void PutU16(uint16_t type, uint16_t v) { Put(type, &v, 2); }
  void PutU32(uint16_t type, uint32_t v) { Put(type, &v, 4); }
  void PutS32(uint16_t type, int32_t v) { Put(type, &v, 4); }
  // Appends a NUL-terminated string attribute.
  void PutString(uint16_t type, const std::string& s) { Put(type, s.c_str(), s.size() + 1); }
  // Appends a zero-length flag attribute.
  void PutFlag(uint16_t type) { Put(type, nullptr, 0); }
  // Opens a nested attribute (rtnetlink omits NLA_F_NESTED, genl families want it in `type`).
  size_t BeginNest(uint16_t type);
  void EndNest(size_t offset);
  // Returns the finished message with nlmsg_len and nlmsg_seq filled in.
  std::vector<uint8_t> Finish(uint32_t seq) const;

 private:
  std::vector<uint8_t> buf_;
};

// One attribute inside a received buffer (type without the NESTED/BYTEORDER bits).
struct Attr {
  uint16_t type = 0;
  const uint8_t* data = nullptr;
  size_t len = 0;
};

// Splits an attribute run; returns false (keeping what parsed) on a malformed length.
bool ParseAttrs(const uint8_t* p, size_t len, std::vector<Attr>* out);

// Encodes an attribute list as ParseAttrs would read it back (used for codec checks).
std::vector<uint8_t> EncodeAttrs(const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& attrs);

// Attributes indexed by type for lookups; later duplicates win.
class AttrTable {
 public:
  AttrTable(const uint8_t* p, size_t len);
  explicit AttrTable(const Attr& nest) : AttrTable(nest.data, nest.len) {}
  const Attr* Get(uint16_t type) const;
  uint32_t U32(uint16_t type, uint32_t def = 0) const;
  uint16_t U16(uint16_t type, uint16_t def = 0) const;
  uint8_t U8(uint16_t type, uint8_t def = 0) const;
  std::string Str(uint16_t type) const;
  const std::vector<Attr>& All() const { return attrs_; }

 private:
  std::vector<Attr> attrs_;
};

// Splits a receive buffer into whole netlink messages.
std::vector<const struct nlmsghdr*> SplitMessages(const uint8_t* p, size_t len);

// Payload of a message after its fixed family header of `hdrlen` bytes.
inline AttrTable MessageAttrs(const struct nlmsghdr* h, size_t hdrlen) {
  size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
  if (h->nlmsg_len < off) return AttrTable(nullptr, 0);
  return AttrTable(reinterpret_cast<const uint8_t*>(h) + off, h->nlmsg_len - off);
}

}  // namespace netplugin::nl
