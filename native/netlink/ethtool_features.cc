#include "netlink/ethtool_features.h"

#include <fnmatch.h>
#include <linux/genetlink.h>

#include <algorithm>
#include <cstring>

#include "netlink/attr.h"

namespace netplugin::nl {

namespace {

// Generic netlink families validate strictly, so nests carry NLA_F_NESTED.
size_t Nest(MessageBuilder& m, uint16_t type) { return m.BeginNest(type | NLA_F_NESTED); }

void PutHeader(MessageBuilder& m, uint16_t family, uint8_t cmd, uint16_t attr, const std::string& dev,
               uint32_t flags) {
  struct genlmsghdr g {};
  g.cmd = cmd;
  g.version = ETHTOOL_GENL_VERSION;
  m.Header(g);
  size_t h = Nest(m, attr);
  m.PutString(ETHTOOL_A_HEADER_DEV_NAME, dev);
  if (flags) m.PutU32(ETHTOOL_A_HEADER_FLAGS, flags);
  m.EndNest(h);
}

// Bits of a compact bitset (ETHTOOL_A_BITSET_VALUE is an array of host-order u32 words).
std::vector<bool> CompactBits(const Attr* set) {
  std::vector<bool> bits;
  if (!set) return bits;
  AttrTable t(*set);
  const Attr* v = t.Get(ETHTOOL_A_BITSET_VALUE);
  if (!v) return bits;
  // The declared size comes from the wire: never allocate for bits the value does not carry
  // (a missing bit reads as clear, see Bit()).
  uint64_t size = std::min<uint64_t>(t.U32(ETHTOOL_A_BITSET_SIZE), uint64_t(v->len) * 8);
  bits.assign(size, false);
  for (uint64_t i = 0; i < size && i / 32 * 4 + 4 <= v->len; i++) {
    uint32_t word;
    std::memcpy(&word, v->data + i / 32 * 4, 4);
    bits[i] = (word >> (i % 32)) & 1;
  }
  return bits;
}

bool Bit(const std::vector<bool>& b, size_t i) { return i < b.size() && b[i]; }

// netdev_features_t is 64 bits; the cap leaves room for growth while keeping a count or an
// index read from the wire from sizing a multi-gigabyte table.
constexpr uint32_t kMaxFeatureNames = 1024;

// ethtool(8)'s short names for groups of kernel features.
struct Alias {
  const char* name;
  const char* pattern;
};
constexpr Alias kAliases[] = {
    {"rx", "rx-checksum"},       {"tx", "tx-checksum-*"},           {"sg", "tx-scatter-gather*"},
    {"tso", "tx-tcp*-segmentation"}, {"gso", "tx-generic-segmentation"}, {"gro", "rx-gro"},
    {"lro", "rx-lro"},
};

}  // namespace

std::vector<uint8_t> BuildFeatureNamesGet(uint16_t family, const std::string& dev, uint32_t seq) {
  MessageBuilder m(family, NLM_F_REQUEST);
  PutHeader(m, family, ETHTOOL_MSG_STRSET_GET, ETHTOOL_A_STRSET_HEADER, dev, 0);
  size_t sets = Nest(m, ETHTOOL_A_STRSET_STRINGSETS);
  size_t set = Nest(m, ETHTOOL_A_STRINGSETS_STRINGSET);
  m.PutU32(ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
  m.EndNest(set);
  m.EndNest(sets);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildFeaturesGet(uint16_t family, const std::string& dev, uint32_t seq) {
  MessageBuilder m(family, NLM_F_REQUEST);
  PutHeader(m, family, ETHTOOL_MSG_FEATURES_GET, ETHTOOL_A_FEATURES_HEADER, dev, ETHTOOL_FLAG_COMPACT_BITSETS);
  return m.Finish(seq);
}

std::vector<uint8_t> BuildFeaturesSet(uint16_t family, const std::string& dev,
                                      const std::vector<std::pair<std::string, bool>>& bits, uint32_t seq) {
  MessageBuilder m(family, NLM_F_REQUEST | NLM_F_ACK);
  PutHeader(m, family, ETHTOOL_MSG_FEATURES_SET, ETHTOOL_A_FEATURES_HEADER, dev, 0);
  size_t wanted = Nest(m, ETHTOOL_A_FEATURES_WANTED);
  size_t list = Nest(m, ETHTOOL_A_BITSET_BITS);
  for (const auto& [name, on] : bits) {
    size_t bit = Nest(m, ETHTOOL_A_BITSET_BITS_BIT);
    m.PutString(ETHTOOL_A_BITSET_BIT_NAME, name);
    if (on) m.PutFlag(ETHTOOL_A_BITSET_BIT_VALUE);
    m.EndNest(bit);
  }
  m.EndNest(list);
  m.EndNest(wanted);
  return m.Finish(seq);
}

std::vector<std::string> DecodeFeatureNames(const struct nlmsghdr* h) {
  std::vector<std::string> names;
  AttrTable top = MessageAttrs(h, sizeof(struct genlmsghdr));
  const Attr* sets = top.Get(ETHTOOL_A_STRSET_STRINGSETS);
  if (!sets) return names;
  AttrTable setList(*sets);
  for (const Attr& set : setList.All()) {
    if (set.type != ETHTOOL_A_STRINGSETS_STRINGSET) continue;
    AttrTable st(set);
    if (st.U32(ETHTOOL_A_STRINGSET_ID, ~0u) != ETH_SS_FEATURES) continue;
    names.assign(std::min(st.U32(ETHTOOL_A_STRINGSET_COUNT), kMaxFeatureNames), "");
    const Attr* strings = st.Get(ETHTOOL_A_STRINGSET_STRINGS);
    if (!strings) continue;
    AttrTable stringList(*strings);
    for (const Attr& s : stringList.All()) {
      if (s.type != ETHTOOL_A_STRINGS_STRING) continue;
      AttrTable str(s);
      uint32_t idx = str.U32(ETHTOOL_A_STRING_INDEX);
      if (idx >= kMaxFeatureNames) continue;
      if (idx >= names.size()) names.resize(idx + 1);
      names[idx] = str.Str(ETHTOOL_A_STRING_VALUE);
    }
  }
  return names;
}

std::vector<FeatureInfo> DecodeFeatures(const struct nlmsghdr* h, const std::vector<std::string>& names) {
  AttrTable t = MessageAttrs(h, sizeof(struct genlmsghdr));
  std::vector<bool> hw = CompactBits(t.Get(ETHTOOL_A_FEATURES_HW));
  std::vector<bool> active = CompactBits(t.Get(ETHTOOL_A_FEATURES_ACTIVE));
  std::vector<bool> nochange = CompactBits(t.Get(ETHTOOL_A_FEATURES_NOCHANGE));
  std::vector<FeatureInfo> out;
  for (size_t i = 0; i < names.size(); i++) {
    if (names[i].empty()) continue;
    out.push_back(FeatureInfo{names[i], Bit(active, i), Bit(hw, i) && !Bit(nochange, i)});
  }
  return out;
}

std::vector<std::pair<std::string, bool>> ExpandFeatureAliases(const std::vector<std::pair<std::string, bool>>& req,
                                                               const std::vector<FeatureInfo>& current) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& [name, on] : req) {
    const Alias* alias = nullptr;
    for (const Alias& a : kAliases)
      if (name == a.name) alias = &a;
    if (!alias) {
      out.emplace_back(name, on);
      continue;
    }
    // Like ethtool -K, an alias touches only the member features the device lets change.
    for (const FeatureInfo& f : current)
      if (f.changeable && fnmatch(alias->pattern, f.name.c_str(), 0) == 0) out.emplace_back(f.name, on);
  }
  return out;
}

}  // namespace netplugin::nl
