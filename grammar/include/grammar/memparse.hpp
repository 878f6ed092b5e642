// memparse() exactly as lib/cmdline.c does it (Linux 6.1 and mainline agree):
// simple_strtoull(s, &end, 0) -- base from the prefix: "0x"/"0X" followed by a hex
// digit is hex, a leading 0 is octal, else decimal; digits wrap modulo 2^64 --
// then at most one case-insensitive suffix K M G T P E, consumed even when no digit
// came before it (a bare "G" is 0), shifting with wrap-around.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kdump {

struct Memparsed {
  std::uint64_t value = 0;
  std::size_t length = 0;  // characters consumed; 0 means "no number" to every caller
  bool octal = false;      // a leading 0 made it octal (and it had more than the "0")
  bool hex = false;
  bool suffix = false;     // a K/M/G/T/P/E suffix was consumed
  bool wrapped = false;    // digits or the suffix shift overflowed 64 bits
};

Memparsed memparse(std::string_view text);

}  // namespace kdump
