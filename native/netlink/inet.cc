#include "netlink/inet.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>

namespace netplugin::nl {

bool ParsePrefix(const std::string& text, bool allowDefault, InetPrefix* out) {
  if (allowDefault && text == "default") {
    out->family = AF_INET;
    out->addr.assign(4, 0);
    out->prefixLen = 0;
    return true;
  }
  std::string host = text;
  size_t slash = text.find('/');
  int plen = -1;
  if (slash != std::string::npos) {
    host = text.substr(0, slash);
    std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos) return false;
    plen = std::atoi(len.c_str());
  }
  uint8_t buf[16];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    if (plen > 32) return false;
    out->family = AF_INET;
    out->addr.assign(buf, buf + 4);
  } else if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    if (plen > 128) return false;
    out->family = AF_INET6;
    out->addr.assign(buf, buf + 16);
  } else {
    return false;
  }
  out->prefixLen = plen;
  return true;
}

std::string FormatAddr(int family, const uint8_t* data, size_t len) {
  char buf[INET6_ADDRSTRLEN] = "";
  if ((family == AF_INET && len >= 4) || (family == AF_INET6 && len >= 16)) inet_ntop(family, data, buf, sizeof(buf));
  return buf;
}

bool ParseMac(const std::string& text, std::vector<uint8_t>* out) {
  unsigned b[6];
  char tail;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
    return false;
  out->assign(b, b + 6);
  return true;
}

std::string FormatMac(const uint8_t* data, size_t len) {
  std::string s;
  char part[4];
  for (size_t i = 0; i < len; i++) {
    std::snprintf(part, sizeof(part), i ? ":%02x" : "%02x", data[i]);
    s += part;
  }
  return s;
}

}  // namespace netplugin::nl
