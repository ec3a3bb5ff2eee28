// Big-endian byte writer and bounds-checked reader shared by every OpenFlow codec file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace netplugin::of {

// Thrown by decoders when bytes do not form a valid message; the JS bridge turns it into an Error.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by encoders when an object cannot be expressed on the wire.
struct EncodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Appends network-order integers to a growing byte vector.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  size_t size() const { return out_.size(); }
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(uint8_t(v >> 8));
    out_.push_back(uint8_t(v));
  }
  void u32(uint32_t v) {
    u16(uint16_t(v >> 16));
    u16(uint16_t(v));
  }
  void u64(uint64_t v) {
    u32(uint32_t(v >> 32));
    u32(uint32_t(v));
  }
  void bytes(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  // Pads with zeros so that the bytes written since `start` are a multiple of 8.
  void pad8(size_t start) { zeros((8 - (size() - start) % 8) % 8); }
  // Overwrites a 16-bit length field once the enclosed object's size is known.
  void patch16(size_t at, uint16_t v) {
    out_[at] = uint8_t(v >> 8);
    out_[at + 1] = uint8_t(v);
  }
  // Length fields are 16 bits on the wire; larger objects cannot be encoded.
  void patchLen(size_t at, size_t start) {
    size_t n = size() - start;
    if (n > 0xffff) throw EncodeError("object longer than 65535 bytes");
    patch16(at, uint16_t(n));
  }

 private:
  std::vector<uint8_t>& out_;
};

// Reads network-order integers from a byte range, throwing DecodeError past the end.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  size_t remaining() const { return n_ - off_; }
  size_t offset() const { return off_; }
  const uint8_t* here() const { return p_ + off_; }
  void need(size_t k) const {
    if (remaining() < k) throw DecodeError("truncated OpenFlow object");
  }
  uint8_t u8() {
    need(1);
    return p_[off_++];
  }
  uint16_t u16() {
    need(2);
    uint16_t v = uint16_t(p_[off_] << 8 | p_[off_ + 1]);
    off_ += 2;
    return v;
  }
  uint32_t u32() {
    uint32_t hi = u16();
    return hi << 16 | u16();
  }
  uint64_t u64() {
    uint64_t hi = u32();
    return hi << 32 | u32();
  }
  void skip(size_t k) {
    need(k);
    off_ += k;
  }
  void copy(uint8_t* dst, size_t k) {
    need(k);
    std::memcpy(dst, p_ + off_, k);
    off_ += k;
  }
  // A sub-reader over the next k bytes; this reader moves past them.
  Reader sub(size_t k) {
    need(k);
    Reader r(p_ + off_, k);
    off_ += k;
    return r;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t off_ = 0;
};

}  // namespace netplugin::of
