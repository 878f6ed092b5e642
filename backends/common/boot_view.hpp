// The boot model (boot_model.hpp) as core's plain BootView (core/next_boot_check.hpp):
// the active loader's entries with their effective command lines, which one boots next
// and how sure that is, and what kernels installed later get. The one place where the
// next-boot check and status read the model.
#pragma once

#include "backends/common/boot_model.hpp"
#include "core/next_boot_check.hpp"

namespace kdump {

// `model.active()` decides the loader (set by choose_backend); without one (a tool such as
// proxmox-boot-tool generates the entries) the view has no entries and says why.
BootView boot_view(const BootModel& model);

std::string_view entry_kind_name(BootEntry::Kind k);

}  // namespace kdump
