#include "util/text.hpp"

#include <cctype>

namespace kdump {

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::pair<unsigned, unsigned> line_column(std::string_view text, std::size_t offset) {
  unsigned line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

namespace {

// Length of the well-formed UTF-8 sequence at `at`, or 0 (RFC 3629, table 3-7 of the
// Unicode standard: the second byte's range depends on the first).
std::size_t utf8_sequence(std::string_view t, std::size_t at) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(t[k]); };
  const unsigned char c = b(at);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c == 0xe0) n = 3, lo = 0xa0;
  else if (c == 0xed) n = 3, hi = 0x9f;
  else if (c >= 0xe1 && c <= 0xef) n = 3;
  else if (c == 0xf0) n = 4, lo = 0x90;
  else if (c == 0xf4) n = 4, hi = 0x8f;
  else if (c >= 0xf1 && c <= 0xf3) n = 4;
  else return 0;
  if (at + n > t.size()) return 0;
  if (b(at + 1) < lo || b(at + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(at + k) < 0x80 || b(at + k) > 0xbf) return 0;
  return n;
}

std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[c >> 4] + digits[c & 0xf];
}

}  // namespace

std::optional<NonText> first_non_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return NonText{i, "a NUL byte"};
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) return NonText{i, "invalid UTF-8 (byte " + hex_byte(c) + ")"};
    i += n;
  }
  return std::nullopt;
}

}  // namespace kdump
