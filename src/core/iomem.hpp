// /proc/iomem, read once into lines: kernel/resource.c r_show() prints each resource as
// "%*s%0*llx-%0*llx : %s" — two spaces of indent per nesting level, the end inclusive.
// Every reader of the memory map (System RAM for the RAM size, the placement map, the
// "Crash kernel" regions and the RAM a run-time shrink gave back) walks these lines.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kdump {

struct IomemLine {
  std::size_t indent = 0;  // spaces before the range: 2 per nesting level
  std::uint64_t start = 0;
  std::uint64_t end = 0;   // inclusive, as printed
  std::string_view name;   // a view into the text parsed
};

struct Iomem {
  std::vector<IomemLine> lines;  // in file order; lines that are not a resource are skipped
  // Some address is not zero. Without CAP_SYS_ADMIN the kernel prints every address as
  // zero (kernel/resource.c r_show(): iomem_is_exclusive / the kptr-like restriction).
  bool addresses_visible = false;
};

Iomem parse_iomem(std::string_view text);

}  // namespace kdump
