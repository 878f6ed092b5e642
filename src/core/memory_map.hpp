// The machine's physical memory map from /proc/iomem: the top-level "System RAM"
// ranges and where the running kernel image lies (kernel/resource.c r_show() prints
// "%0*llx-%0*llx : name", end inclusive, two spaces of indent per nesting level).
// The kernel model places crash regions in it (grammar/kernel.hpp MemoryMap).
#pragma once

#include <optional>
#include <string_view>

#include "grammar/kernel.hpp"

namespace kdump {

// nullopt when there is no top-level System RAM, or when every address reads 0 (the
// reader lacks CAP_SYS_ADMIN).
std::optional<MemoryMap> memory_map_from_iomem(std::string_view iomem);

}  // namespace kdump
