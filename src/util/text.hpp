// Small text helpers every layer uses: whitespace trimming, and the 1-based line and
// column of a byte offset (error positions are reported that way, see util/error.hpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace kdump {

// `s` without leading and trailing white space (std::isspace).
std::string trim(std::string_view s);

// 1-based line and byte column of `offset` in `text` (an offset past the end counts as
// the end).
std::pair<unsigned, unsigned> line_column(std::string_view text, std::size_t offset);

}  // namespace kdump
