// Internal to grammar/: the pieces of the crashkernel= grammar that the kernel model
// (kernel_parse.cpp) drives one at a time, because the kernel validates lazily (entries
// after the matching range are never parsed). No Boost here; the X3 rules live in
// crashkernel_rules.hpp and are instantiated only in crashkernel.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kdump::detail {

// Which expectation failed, as a stable key; expect_messages.cpp maps it to the message text of
// the kernel release being modelled.
enum class Expect { range_start, dash, range_end, colon, range_size, offset, size, suffix, end };

struct Located {
  std::uint64_t value = 0;
  std::size_t at = 0;  // offset in the parsed text
};

// One "start-[end]:size" entry parsed at `pos` of `text`.
struct EntryResult {
  std::optional<Expect> failed;  // set when the entry is malformed
  std::size_t failed_at = 0;
  Located start;
  std::optional<Located> end;
  Located size;
  std::size_t next = 0;          // offset after the size
};

EntryResult parse_range_entry(std::string_view text, std::size_t pos);

}  // namespace kdump::detail
