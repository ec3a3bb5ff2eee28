#include "netlink/attr.h"

#include <cstring>

namespace netplugin::nl {

MessageBuilder::MessageBuilder(uint16_t type, uint16_t flags) {
  struct nlmsghdr h {};
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  Raw(&h, sizeof(h));
}

void MessageBuilder::Raw(const void* data, size_t len) {
  size_t off = buf_.size();
  buf_.resize(off + NLMSG_ALIGN(len), 0);
  if (len) std::memcpy(buf_.data() + off, data, len);
}

void MessageBuilder::Put(uint16_t type, const void* data, size_t len) {
  struct nlattr a {};
  a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
  a.nla_type = type;
  size_t off = buf_.size();
  buf_.resize(off + NLA_HDRLEN + NLA_ALIGN(len), 0);
  std::memcpy(buf_.data() + off, &a, sizeof(a));
  if (len) std::memcpy(buf_.data() + off + NLA_HDRLEN, data, len);
}

size_t MessageBuilder::BeginNest(uint16_t type) {
  size_t off = buf_.size();
  Put(type, nullptr, 0);
  return off;
}

void MessageBuilder::EndNest(size_t offset) {
  uint16_t len = static_cast<uint16_t>(buf_.size() - offset);
  std::memcpy(buf_.data() + offset, &len, sizeof(len));
}

std::vector<uint8_t> MessageBuilder::Finish(uint32_t seq) const {
  std::vector<uint8_t> out = buf_;
  auto* h = reinterpret_cast<struct nlmsghdr*>(out.data());
  h->nlmsg_len = static_cast<uint32_t>(out.size());
  h->nlmsg_seq = seq;
  return out;
}

bool ParseAttrs(const uint8_t* p, size_t len, std::vector<Attr>* out) {
  size_t off = 0;
  while (off + NLA_HDRLEN <= len) {
    struct nlattr a;
    std::memcpy(&a, p + off, sizeof(a));
    if (a.nla_len < NLA_HDRLEN || off + a.nla_len > len) return false;
    out->push_back(Attr{static_cast<uint16_t>(a.nla_type & NLA_TYPE_MASK), p + off + NLA_HDRLEN,
                        static_cast<size_t>(a.nla_len - NLA_HDRLEN)});
    off += NLA_ALIGN(a.nla_len);
  }
  // Trailing bytes shorter than a header are only legal as padding of the last attribute.
  return off >= len;
}

std::vector<uint8_t> EncodeAttrs(const std::vector<std::pair<uint16_t, std::vector<uint8_t>>>& attrs) {
  std::vector<uint8_t> out;
  for (const auto& [type, data] : attrs) {
    struct nlattr a {};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + data.size());
    a.nla_type = type;
    size_t off = out.size();
    out.resize(off + NLA_HDRLEN + NLA_ALIGN(data.size()), 0);
    std::memcpy(out.data() + off, &a, sizeof(a));
    if (!data.empty()) std::memcpy(out.data() + off + NLA_HDRLEN, data.data(), data.size());
  }
  return out;
}

AttrTable::AttrTable(const uint8_t* p, size_t len) {
  if (p) ParseAttrs(p, len, &attrs_);
}

const Attr* AttrTable::Get(uint16_t type) const {
  for (auto it = attrs_.rbegin(); it != attrs_.rend(); ++it)
    if (it->type == type) return &*it;
  return nullptr;
}

uint32_t AttrTable::U32(uint16_t type, uint32_t def) const {
  const Attr* a = Get(type);
  if (!a || a->len < 4) return def;
  uint32_t v;
  std::memcpy(&v, a->data, 4);
  return v;
}

uint16_t AttrTable::U16(uint16_t type, uint16_t def) const {
  const Attr* a = Get(type);
  if (!a || a->len < 2) return def;
  uint16_t v;
  std::memcpy(&v, a->data, 2);
  return v;
}

uint8_t AttrTable::U8(uint16_t type, uint8_t def) const {
  const Attr* a = Get(type);
  return (!a || a->len < 1) ? def : a->data[0];
}

std::string AttrTable::Str(uint16_t type) const {
  const Attr* a = Get(type);
  if (!a) return "";
  size_t n = strnlen(reinterpret_cast<const char*>(a->data), a->len);
  return std::string(reinterpret_cast<const char*>(a->data), n);
}

std::vector<const struct nlmsghdr*> SplitMessages(const uint8_t* p, size_t len) {
  std::vector<const struct nlmsghdr*> out;
  size_t off = 0;
  while (off + NLMSG_HDRLEN <= len) {
    auto* h = reinterpret_cast<const struct nlmsghdr*>(p + off);
    if (h->nlmsg_len < NLMSG_HDRLEN || off + h->nlmsg_len > len) break;
    out.push_back(h);
    off += NLMSG_ALIGN(h->nlmsg_len);
  }
  return out;
}

}  // namespace netplugin::nl
