// Small text helpers every layer uses: whitespace trimming, and the 1-based line and
// column of a byte offset (error positions are reported that way, see util/error.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kdump {

// `s` without leading and trailing white space (std::isspace).
std::string trim(std::string_view s);

// 1-based line and byte column of `offset` in `text` (an offset past the end counts as
// the end).
std::pair<unsigned, unsigned> line_column(std::string_view text, std::size_t offset);

// The first byte of `text` that is not text: a NUL, or a byte that does not start or
// continue a well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at
// most U+10FFFF). nullopt when every byte is text. `what` says which ("a NUL byte",
// "invalid UTF-8 (byte 0xff)").
struct NonText {
  std::size_t offset = 0;
  std::string what;
};
std::optional<NonText> first_non_text(std::string_view text);

}  // namespace kdump
