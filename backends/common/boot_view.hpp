// The boot model (boot_model.hpp) as core's plain BootView (core/next_boot_check.hpp):
// the active loader's entries with their effective command lines, which one boots next
// and how sure that is, and what kernels installed later get. The one place where the
// next-boot check and status read the model.
#pragma once

#include "backends/common/boot_model.hpp"
#include "core/next_boot_check.hpp"

namespace kdump {

// `model.active()` decides the loader (set by choose_backend), or `loader` when given;
// without one (a tool such as proxmox-boot-tool generates the entries) the view has no
// entries and says why.
BootView boot_view(const BootModel& model, std::optional<BootLoader> loader = std::nullopt);

// The loader the firmware says this system booted through, when that is not the active
// one: LoaderInfo names systemd-boot (set at every boot, systemd's
// docs/BOOT_LOADER_INTERFACE.md) and the tree has systemd-boot entries, but --backend
// chose another loader's files. Those files do not decide the next boot; the view then
// follows systemd-boot and its `loader_note` says why.
std::optional<BootLoader> firmware_loader(const BootModel& model);

std::string_view entry_kind_name(BootEntry::Kind k);

}  // namespace kdump
