#include "core/iomem.hpp"

#include <charconv>

namespace kdump {
namespace {

bool parse_hex(std::string_view s, std::uint64_t& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return ec == std::errc{} && p == s.data() + s.size() && !s.empty();
}

bool parse_line(std::string_view line, IomemLine& l) {
  const std::size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos) return false;
  const std::size_t colon = line.find(" : ", indent);
  if (colon == std::string_view::npos) return false;
  std::string_view range = line.substr(indent, colon - indent);
  const std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return false;
  if (!parse_hex(range.substr(0, dash), l.start) || !parse_hex(range.substr(dash + 1), l.end) ||
      l.end < l.start)
    return false;
  l.indent = indent;
  l.name = line.substr(colon + 3);
  while (!l.name.empty() && (l.name.back() == '\r' || l.name.back() == ' ')) l.name.remove_suffix(1);
  return true;
}

}  // namespace

Iomem parse_iomem(std::string_view text) {
  Iomem out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    const std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? text.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    IomemLine l;
    if (!parse_line(line, l)) continue;
    if (l.end != 0) out.addresses_visible = true;
    out.lines.push_back(l);
  }
  return out;
}

}  // namespace kdump
