#include "expect_messages.hpp"

namespace kdump::detail {

std::string expect_message(Expect what, MessageStyle style, char at_char, bool at_end) {
  // printk("%c") of the NUL at the end of the string prints nothing.
  std::string ch = at_end ? std::string() : std::string(1, at_char);
  switch (what) {
    case Expect::range_start:
    case Expect::range_end:
      return "crashkernel: Memory value expected";
    case Expect::dash:
      return "crashkernel: '-' expected";
    case Expect::colon:
      return "crashkernel: ':' expected";
    case Expect::range_size:
      return style == MessageStyle::v6_1 ? "Memory value expected"
                                         : "crashkernel: Memory value expected";
    case Expect::offset:
      switch (style) {
        case MessageStyle::v6_1: return "Memory value expected after '@'";
        case MessageStyle::v6_7: return "crahskernel: Memory value expected after '@'";
        default: return "crashkernel: Memory value expected after '@'";
      }
    case Expect::size:
      return "crashkernel: memory value expected";
    case Expect::suffix:
      return "crashkernel: unrecognized char: " + ch;
    case Expect::end:
      if (style == MessageStyle::strict && at_end) return "crashkernel: unexpected end of value";
      return "crashkernel: unrecognized char: " + ch;
  }
  return "crashkernel: parse error";
}

}  // namespace kdump::detail
