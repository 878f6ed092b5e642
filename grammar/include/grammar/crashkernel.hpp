// The value of one crashkernel= parameter, as plain data (no Boost here).
//
// Syntax: Documentation/admin-guide/kernel-parameters.txt, "crashkernel=" and
// Documentation/admin-guide/kdump/kdump.rst "crashkernel syntax":
//   size[@offset] | range:size[,range:size...][@offset] | size,high | size,low | size,cma
// Numbers are the kernel's memparse() (lib/cmdline.c): see memparse.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/result.hpp"

namespace kdump {

constexpr std::uint64_t KiB = 1ull << 10;
constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::uint64_t TiB = 1ull << 40;

// "start-[end]": start inclusive, end exclusive, as parse_crashkernel_mem() reads it.
struct MemRange {
  std::uint64_t start = 0;
  std::optional<std::uint64_t> end;  // nullopt: open end ("2G-")
  friend bool operator==(const MemRange&, const MemRange&) = default;
};

struct RangeSize {
  MemRange range;
  std::uint64_t size = 0;
  friend bool operator==(const RangeSize&, const RangeSize&) = default;
};

enum class Suffix { none, high, low, cma };

std::string_view suffix_text(Suffix s);  // "", ",high", ",low", ",cma"

struct CrashkernelSpec {
  std::variant<std::uint64_t, std::vector<RangeSize>> amount;  // a size, or a range table
  std::optional<std::uint64_t> offset;                          // "@offset"
  Suffix suffix = Suffix::none;
  friend bool operator==(const CrashkernelSpec&, const CrashkernelSpec&) = default;

  bool is_range_table() const { return amount.index() == 1; }
};

// A parse error: the kernel's own message where the kernel has one, and the 0-based
// offset of the offending character in the text that was parsed.
struct ParseError {
  std::string message;         // "crashkernel: end <= start"
  std::size_t offset = 0;
};

// Strict parse of one value (the text after "crashkernel="), used for values we are
// asked to write: the whole text must be one of the forms, every range entry must be
// valid (end > start), nothing may trail. Numbers are memparse numbers.
Result<CrashkernelSpec, ParseError> parse_crashkernel(std::string_view value);

// Canonical text: decimal numbers in the largest exact unit (K/M/G/T/P/E), ranges in
// written order, an open last end written "start-". parse(format(x)) == x.
std::string format_crashkernel(const CrashkernelSpec& spec);

// "128M", "2G", "30" (bytes): the largest binary unit that divides the value exactly.
std::string format_size(std::uint64_t bytes);

// Human figure for messages: "128 MiB", "1.5 GiB", "30 bytes".
std::string human_size(std::uint64_t bytes);

// A SIZE given on our command line (--memory): a memparse number that must use the
// whole text ("16G", "2048M", "17179869184"). nullopt when it does not.
std::optional<std::uint64_t> parse_size_argument(std::string_view text);

}  // namespace kdump
