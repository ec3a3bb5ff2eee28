#include "cni/json_lite.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>

namespace npcni {

namespace {

const char kHex[] = "0123456789abcdef";

// Deeper nesting than this is treated as malformed: the scan is recursive and the
// configs we read are a few levels deep.
constexpr int kMaxDepth = 256;

// A cursor over a JSON text that can skip whole values without building them.
class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}

  size_t pos() const { return p_; }
  bool at_end() const { return p_ >= t_.size(); }
  char peek() const { return p_ < t_.size() ? t_[p_] : '\0'; }

  void SkipWs() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r')) p_++;
  }

  bool Consume(char c) {
    SkipWs();
    if (peek() != c) return false;
    p_++;
    return true;
  }

  // Skips a string literal starting at the cursor (which must be on the quote).
  bool SkipString() {
    if (peek() != '"') return false;
    p_++;
    while (p_ < t_.size()) {
      unsigned char c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        p_++;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        p_++;
        if (p_ >= t_.size()) return false;
        char e = t_[p_];
        if (e == 'u') {
          if (p_ + 4 >= t_.size()) return false;
          for (int i = 1; i <= 4; i++) {
            if (!std::isxdigit(static_cast<unsigned char>(t_[p_ + i]))) return false;
          }
          p_ += 4;
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
          return false;
        }
      }
      p_++;
    }
    return false;
  }

  bool SkipLiteral(std::string_view word) {
    if (t_.substr(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool SkipNumber() {
    size_t start = p_;
    if (peek() == '-') p_++;
    if (!std::isdigit(static_cast<unsigned char>(peek()))) return false;
    while (std::isdigit(static_cast<unsigned char>(peek()))) p_++;
    if (peek() == '.') {
      p_++;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) return false;
      while (std::isdigit(static_cast<unsigned char>(peek()))) p_++;
    }
    if (peek() == 'e' || peek() == 'E') {
      p_++;
      if (peek() == '+' || peek() == '-') p_++;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) return false;
      while (std::isdigit(static_cast<unsigned char>(peek()))) p_++;
    }
    return p_ > start;
  }

  // Skips any value at the cursor (leading whitespace allowed).
  bool SkipValue(int depth) {
    if (depth > kMaxDepth) return false;
    SkipWs();
    switch (peek()) {
      case '"':
        return SkipString();
      case '{': {
        p_++;
        if (Consume('}')) return true;
        do {
          SkipWs();
          if (!SkipString() || !Consume(':') || !SkipValue(depth + 1)) return false;
        } while (Consume(','));
        return Consume('}');
      }
      case '[': {
        p_++;
        if (Consume(']')) return true;
        do {
          if (!SkipValue(depth + 1)) return false;
        } while (Consume(','));
        return Consume(']');
      }
      case 't':
        return SkipLiteral("true");
      case 'f':
        return SkipLiteral("false");
      case 'n':
        return SkipLiteral("null");
      default:
        return SkipNumber();
    }
  }

 private:
  std::string_view t_;
  size_t p_ = 0;
};

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool Hex4(std::string_view s, size_t at, uint32_t* v) {
  if (at + 4 > s.size()) return false;
  uint32_t r = 0;
  for (size_t i = at; i < at + 4; i++) {
    char c = s[i];
    r <<= 4;
    if (c >= '0' && c <= '9') r |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') r |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') r |= static_cast<uint32_t>(c - 'A' + 10);
    else return false;
  }
  *v = r;
  return true;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

bool FindMember(std::string_view text, std::string_view key, std::string_view* raw) {
  Scanner s(text);
  if (!s.Consume('{')) return false;
  bool found = false;
  std::string_view last;
  if (!s.Consume('}')) {
    do {
      s.SkipWs();
      size_t k0 = s.pos();
      if (!s.SkipString()) return false;
      std::string name;
      if (!DecodeString(text.substr(k0, s.pos() - k0), &name)) return false;
      if (!s.Consume(':')) return false;
      s.SkipWs();
      size_t v0 = s.pos();
      if (!s.SkipValue(0)) return false;
      if (name == key) {
        found = true;
        last = text.substr(v0, s.pos() - v0);
      }
    } while (s.Consume(','));
    if (!s.Consume('}')) return false;
  }
  s.SkipWs();
  if (!s.at_end()) return false;
  if (found) *raw = last;
  return found;
}

bool DecodeString(std::string_view raw, std::string* out) {
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return false;
  out->clear();
  out->reserve(raw.size());
  for (size_t i = 1; i + 1 < raw.size(); i++) {
    char c = raw[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i + 1 > raw.size() - 1) return false;
    switch (raw[i]) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '/': out->push_back('/'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t cp;
        if (!Hex4(raw, i + 1, &cp)) return false;
        i += 4;
        // A high surrogate followed by an escaped low surrogate is one code point.
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u') {
          uint32_t lo;
          if (Hex4(raw, i + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        // Lone surrogates become U+FFFD, as Node's UTF-8 encoder would write them.
        if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;
        AppendUtf8(*out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

bool DecodeInt(std::string_view raw, int* out) {
  if (raw.empty() || raw.size() > 11) return false;
  std::string s(raw);
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || v < -2147483647L || v > 2147483647L) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace npcni
