// Message texts for each expectation, per kernel generation (kernel/crash_core.c in
// 6.1, kernel/crash_reserve.c from 6.9; see notes §6.1). Private to grammar/.
#pragma once

#include <string>

#include "value_parse.hpp"

namespace kdump::detail {

enum class MessageStyle {
  v6_1,         // Debian 12: "Memory value expected" without prefix for a range size
  v6_7,         // generic reservation, "crahskernel:" typo after '@'
  v6_16,        // typo fixed
  strict,       // our own strict parse of a value we are asked to write
};

std::string expect_message(Expect what, MessageStyle style, char at_char, bool at_end);

}  // namespace kdump::detail
