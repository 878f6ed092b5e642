// Facts of an offline image (--root without proc/): what its files tell of the
// architecture and the kernels it carries, each with the file that told it.
#pragma once

#include <optional>
#include <string>

#include "core/facts.hpp"
#include "util/root_dir.hpp"

namespace kdump {

// /var/lib/dpkg/arch (first line), the ELF header of /bin/sh or /usr/bin/sh (e_machine,
// System V ABI), then boot loader file names (/boot/efi/EFI/*/grubx64.efi,
// systemd-bootaa64.efi, ...). nullopt when none tells.
std::optional<Fact<Arch>> image_arch(const RootDir& root);

// The newest kernel release the image carries: /boot/vmlinuz-RELEASE, else
// /usr/lib/modules/RELEASE (directories with a kernel image or modules).
std::optional<Fact<std::string>> image_kernel_release(const RootDir& root);

}  // namespace kdump
