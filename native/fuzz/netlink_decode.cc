// libFuzzer harness: a netlink receive buffer through SplitMessages and every decoder that
// reads kernel replies (rtnetlink link/addr/route/fdb, genl family id, ethtool feature names
// and feature bits). Sizes and indexes in these replies come from the wire.
#include <linux/genetlink.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "netlink/attr.h"
#include "netlink/ethtool_features.h"
#include "netlink/genl_ctrl.h"
#include "netlink/rtnl_addr.h"
#include "netlink/rtnl_fdb.h"
#include "netlink/rtnl_link.h"
#include "netlink/rtnl_route.h"

using namespace netplugin::nl;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A receive buffer is aligned like any allocation; the decoders cast it to nlmsghdr.
  std::vector<uint32_t> aligned((size + 3) / 4);
  if (size) std::memcpy(aligned.data(), data, size);
  const auto* p = reinterpret_cast<const uint8_t*>(aligned.data());
  for (const struct nlmsghdr* h : SplitMessages(p, size)) {
    LinkInfo link;
    AddrInfo addr;
    RouteInfo route;
    FdbInfo fdb;
    DecodeLink(h, &link);
    DecodeAddr(h, &addr);
    DecodeRoute(h, &route);
    DecodeFdb(h, &fdb);
    DecodeFamilyId(h);
    std::vector<std::string> names = DecodeFeatureNames(h);
    std::vector<FeatureInfo> features = DecodeFeatures(h, names);
    if (features.size() > names.size()) abort();
  }
  std::vector<Attr> attrs;
  ParseAttrs(p, size, &attrs);
  for (const Attr& a : attrs)
    if (a.data < p || a.data + a.len > p + size) abort();
  return 0;
}
