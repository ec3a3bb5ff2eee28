// Text <-> binary forms of addresses used by the request builders (pure).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace netplugin::nl {

// An IPv4 or IPv6 address with an optional prefix length.
struct InetPrefix {
  int family = 0;  // AF_INET or AF_INET6
  std::vector<uint8_t> addr;
  int prefixLen = -1;  // -1 when the text had no "/len"
};

// Parses "a.b.c.d", "a.b.c.d/len", IPv6 equivalents; "default" when allowDefault.
bool ParsePrefix(const std::string& text, bool allowDefault, InetPrefix* out);
// Renders an address of `family` from its bytes.
std::string FormatAddr(int family, const uint8_t* data, size_t len);
// Parses "aa:bb:cc:dd:ee:ff".
bool ParseMac(const std::string& text, std::vector<uint8_t>* out);
// Renders a link-layer address as colon-separated hex.
std::string FormatMac(const uint8_t* data, size_t len);

}  // namespace netplugin::nl
