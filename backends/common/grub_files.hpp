// Where GRUB's generated configuration lives and the command that regenerates it; shared
// by the grub2 backend (which lists the command) and the boot model / bls backend (which
// look into grub.cfg for blscfg).
#pragma once

#include <optional>
#include <string>

#include "backends/common/boot_files.hpp"
#include "core/facts.hpp"
#include "core/plan.hpp"

namespace kdump {

// The grub.cfg grub-mkconfig writes on this tree ("/boot/grub/grub.cfg",
// "/boot/grub2/grub.cfg", "/boot/efi/EFI/<vendor>/grub.cfg" when that is the real one
// and not the 3-line stub); nullopt when there is none.
std::optional<std::string> grub_cfg_path(const BootFiles& files, const SystemFacts& facts);

// The command that regenerates it: update-grub (Debian, Ubuntu), else
// grub-mkconfig -o CFG, else grub2-mkconfig -o CFG; nullopt when none is installed.
std::optional<Command> grub_regeneration_command(const BootFiles& files, const SystemFacts& facts);

}  // namespace kdump
