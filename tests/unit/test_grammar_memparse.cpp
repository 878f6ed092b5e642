// memparse() as lib/cmdline.c: base from the prefix, one suffix, wrap-around.
#include <gtest/gtest.h>

#include "grammar/memparse.hpp"

namespace kdump {
namespace {

struct Case {
  const char* text;
  std::uint64_t value;
  std::size_t length;
};

class Memparse : public ::testing::TestWithParam<Case> {};

TEST_P(Memparse, MatchesKernel) {
  const Case& c = GetParam();
  Memparsed m = memparse(c.text);
  EXPECT_EQ(m.value, c.value) << c.text;
  EXPECT_EQ(m.length, c.length) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Kernel, Memparse,
    ::testing::Values(
        Case{"256M", 256ull << 20, 4}, Case{"256m", 256ull << 20, 4},
        Case{"1G", 1ull << 30, 2}, Case{"1g", 1ull << 30, 2}, Case{"4K", 4096, 2},
        Case{"2T", 2ull << 40, 2}, Case{"1P", 1ull << 50, 2}, Case{"1E", 1ull << 60, 2},
        Case{"1e", 1ull << 60, 2},
        Case{"4096", 4096, 4},                       // plain numbers are bytes
        Case{"010M", 8ull << 20, 4},                 // leading 0: octal
        Case{"08M", 0, 1},                           // '8' is no octal digit: stops there
        Case{"0x10M", 16ull << 20, 5},               // hex, then a suffix
        Case{"0x1E", 30, 4},                         // in hex, E is a digit
        Case{"0X1f", 31, 4},
        Case{"0x", 0, 1},                            // no hex digit: octal 0, stops at x
        Case{"0xM", 0, 1},
        Case{"G", 0, 1},                             // bare suffix: consumed, value 0
        Case{"M-", 0, 1},
        Case{"auto", 0, 0},                          // 'a' is no suffix: nothing consumed
        Case{"", 0, 0}, Case{"-1", 0, 0}, Case{"+1", 0, 0}, Case{" 1", 0, 0},
        Case{"256MB", 256ull << 20, 4},              // only one suffix letter
        Case{"18446744073709551616", 0, 20},         // 2^64 wraps to 0
        Case{"18446744073709551617", 1, 20},
        Case{"17179869184G", 0, 12},                 // 2^34 G = 2^64: shift wraps
        Case{"0", 0, 1}, Case{"00", 0, 2}, Case{"07", 7, 2}));

TEST(MemparseFlags, ReportsOctalHexSuffixWrap) {
  EXPECT_TRUE(memparse("010M").octal);
  EXPECT_FALSE(memparse("0").octal);
  EXPECT_TRUE(memparse("0x10").hex);
  EXPECT_TRUE(memparse("1G").suffix);
  EXPECT_FALSE(memparse("4096").suffix);
  EXPECT_TRUE(memparse("17179869184G").wrapped);
  EXPECT_TRUE(memparse("18446744073709551616").wrapped);
  EXPECT_FALSE(memparse("18446744073709551615").wrapped);
}

}  // namespace
}  // namespace kdump
