#include "openflow/echo.h"

namespace netplugin::of {

void EncodeEcho(std::vector<uint8_t>& out, uint8_t version, uint8_t type, uint32_t xid, const uint8_t* data, size_t n) {
  Writer w(out);
  size_t start = BeginMessage(w, version, type, xid);
  w.bytes(data, n);
  EndMessage(w, start);
}

void EncodeEchoReplyFor(std::vector<uint8_t>& out, const uint8_t* request, size_t n) {
  Reader r(request, n);
  Header h = ReadHeader(r, n);
  EncodeEcho(out, h.version, OFPT_ECHO_REPLY, h.xid, request + 8, h.length - 8);
}

}  // namespace netplugin::of
