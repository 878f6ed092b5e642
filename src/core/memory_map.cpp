#include "core/memory_map.hpp"

#include <algorithm>

#include "core/iomem.hpp"

namespace kdump {

std::optional<MemoryMap> memory_map_from_iomem(std::string_view iomem) {
  MemoryMap map;
  const Iomem parsed = parse_iomem(iomem);
  std::uint64_t kstart = UINT64_MAX, kend = 0;
  for (const IomemLine& l : parsed.lines) {
    if (l.indent == 0 && l.name == "System RAM") {
      map.ram.push_back({l.start, l.end + 1});
    } else if (l.name.starts_with("Kernel ")) {  // Kernel code, rodata, data, bss
      kstart = std::min(kstart, l.start);
      kend = std::max(kend, l.end + 1);
    }
  }
  if (!parsed.addresses_visible || map.ram.empty()) return std::nullopt;
  std::sort(map.ram.begin(), map.ram.end(),
            [](const PhysRange& a, const PhysRange& b) { return a.start < b.start; });
  if (kend > kstart) map.kernel = PhysRange{kstart, kend};
  return map;
}

}  // namespace kdump
