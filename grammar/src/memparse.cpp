// memparse() as lib/cmdline.c, with simple_strtoull() and _parse_integer_fixup_radix()
// from lib/vsprintf.c and lib/kstrtox.c (identical in 6.1 and mainline).
#include "grammar/memparse.hpp"

namespace kdump {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_xdigit(char c) {
  c = lower(c);
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// _parse_integer_limit(): the value of a digit in `base`, or -1.
int digit_value(char c, unsigned base) {
  c = lower(c);
  int v = -1;
  if (c >= '0' && c <= '9') v = c - '0';
  else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
  return (v >= 0 && static_cast<unsigned>(v) < base) ? v : -1;
}

// The shift of each suffix letter; 0 when the character is no suffix.
unsigned suffix_shift(char c) {
  switch (lower(c)) {
    case 'k': return 10;
    case 'm': return 20;
    case 'g': return 30;
    case 't': return 40;
    case 'p': return 50;
    case 'e': return 60;
    default: return 0;
  }
}

}  // namespace

Memparsed memparse(std::string_view s) {
  Memparsed r;
  std::size_t i = 0;
  unsigned base = 10;
  // _parse_integer_fixup_radix(): "0x" + hex digit -> 16 (skip "0x"); "0..." -> 8.
  if (!s.empty() && s[0] == '0') {
    if (s.size() > 2 && lower(s[1]) == 'x' && is_xdigit(s[2])) {
      base = 16;
      i = 2;
      r.hex = true;
    } else {
      base = 8;
    }
  }
  for (; i < s.size(); ++i) {
    int d = digit_value(s[i], base);
    if (d < 0) break;
    // Overflow is detected by the kernel but the flag is dropped: the value wraps.
    std::uint64_t next = 0;
    bool mul_wrapped = __builtin_mul_overflow(r.value, std::uint64_t{base}, &next);
    bool add_wrapped = __builtin_add_overflow(next, static_cast<std::uint64_t>(d), &next);
    if (mul_wrapped || add_wrapped) r.wrapped = true;
    r.value = next;  // the builtins store the wrapped result, as the kernel's arithmetic

  }
  r.octal = base == 8 && i > 1;
  // memparse(): one suffix letter, consumed even when no digit came before it.
  if (i < s.size()) {
    if (unsigned shift = suffix_shift(s[i])) {
      if (shift < 64 && (r.value >> (64 - shift)) != 0) r.wrapped = true;
      r.value <<= shift;
      r.suffix = true;
      ++i;
    }
  }
  r.length = i;
  return r;
}

}  // namespace kdump
