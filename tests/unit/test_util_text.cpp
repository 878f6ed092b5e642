// util/text: first_non_text finds what makes a boot file binary (the byte offset that
// BootFiles reports for a NUL byte or invalid UTF-8).
#include <gtest/gtest.h>

#include <string>

#include "util/text.hpp"

namespace kdump {
namespace {

using namespace std::string_literals;

TEST(FirstNonText, TextAndWellFormedUtf8Pass) {
  EXPECT_FALSE(first_non_text(""));
  EXPECT_FALSE(first_non_text("options root=/dev/sda1 quiet\n"));
  EXPECT_FALSE(first_non_text("title Debian GNU/Linux \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7\n"));
}

TEST(FirstNonText, NulByteAndItsOffset) {
  auto b = first_non_text("opt\0ions x\n"s);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->offset, 3u);
  EXPECT_EQ(b->what, "a NUL byte");
}

TEST(FirstNonText, InvalidUtf8) {
  struct Case {
    std::string text;
    std::size_t offset;
  };
  for (const auto& c : {Case{"a\xff", 1}, Case{"ab\xc3", 2}, Case{"\xc0\xaf", 0},      // truncated, overlong
                        Case{"x\xe0\x80\xaf", 1}, Case{"\xed\xa0\x80", 0},               // overlong, surrogate
                        Case{"\xf4\x90\x80\x80", 0}, Case{"\xf5\x80\x80\x80", 0},       // above U+10FFFF
                        Case{"ok \x80", 3}, Case{"\xe2\x82", 0}}) {
    auto b = first_non_text(c.text);
    ASSERT_TRUE(b) << c.text;
    EXPECT_EQ(b->offset, c.offset) << c.text;
    EXPECT_EQ(b->what.rfind("invalid UTF-8 (byte 0x", 0), 0u) << b->what;
  }
}

}  // namespace
}  // namespace kdump
