#include "core/memory_map.hpp"

#include <algorithm>
#include <charconv>

namespace kdump {
namespace {

struct IomemLine {
  std::size_t depth = 0;  // indent / 2
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // inclusive
  std::string_view name;
};

std::optional<std::uint64_t> hex(std::string_view s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<IomemLine> parse_line(std::string_view line) {
  IomemLine l;
  std::size_t indent = line.find_first_not_of(' ');
  if (indent == std::string_view::npos) return std::nullopt;
  l.depth = indent / 2;
  std::size_t colon = line.find(" : ", indent);
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view range = line.substr(indent, colon - indent);
  std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto start = hex(range.substr(0, dash));
  auto end = hex(range.substr(dash + 1));
  if (!start || !end || *end < *start) return std::nullopt;
  l.start = *start;
  l.end = *end;
  l.name = line.substr(colon + 3);
  while (!l.name.empty() && (l.name.back() == '\r' || l.name.back() == ' ')) l.name.remove_suffix(1);
  return l;
}

}  // namespace

std::optional<MemoryMap> memory_map_from_iomem(std::string_view iomem) {
  MemoryMap map;
  bool any_address = false;
  std::uint64_t kstart = UINT64_MAX, kend = 0;
  std::size_t pos = 0;
  while (pos < iomem.size()) {
    std::size_t eol = iomem.find('\n', pos);
    std::string_view text = iomem.substr(pos, eol == std::string_view::npos ? iomem.size() - pos : eol - pos);
    pos = eol == std::string_view::npos ? iomem.size() : eol + 1;
    auto l = parse_line(text);
    if (!l) continue;
    if (l->end != 0) any_address = true;
    if (l->depth == 0 && l->name == "System RAM") {
      map.ram.push_back({l->start, l->end + 1});
    } else if (l->name.starts_with("Kernel ")) {  // Kernel code, rodata, data, bss
      kstart = std::min(kstart, l->start);
      kend = std::max(kend, l->end + 1);
    }
  }
  if (!any_address || map.ram.empty()) return std::nullopt;
  std::sort(map.ram.begin(), map.ram.end(),
            [](const PhysRange& a, const PhysRange& b) { return a.start < b.start; });
  if (kend > kstart) map.kernel = PhysRange{kstart, kend};
  return map;
}

}  // namespace kdump
