// The systemd-boot backend (systemd-boot(7), loader.conf(5), the Boot Loader Specification).
//
// Where systemd-boot reads from: the ESP and the XBOOTLDR partition, found as bootctl
// finds them (backends/common/boot_entries.hpp). On the live system the facts step
// confirms the mount's partition type with libblkid (ESP c12a7328-..., XBOOTLDR
// bc13c2ff-...). LoaderInfo (EFI variable, read by the facts step) confirms that
// systemd-boot booted this system; another loader there means this backend does not apply.
//
// What it edits (entries are BLS Type #1, parsed with grammar/bls_entry.hpp):
//   1. /etc/kernel/cmdline (--kernel all): kernel-install copies it into entries and UKIs
//      of kernels installed later. Comment lines are left alone. Missing: created from the
//      default entry's options, else /proc/cmdline without BOOT_IMAGE= and initrd= (words
//      the boot loader adds itself).
//   2. the `options` lines of the selected entries of loader/entries/*.conf on the ESP and
//      XBOOTLDR. systemd-boot joins every `options` line with spaces and the kernel takes
//      the last crashkernel=: the value goes on the last line carrying one (else the last
//      options line), and the words it replaces leave the other lines.
// The default entry (--kernel default), as the boot model chooses it: LoaderEntryOneShot,
// else LoaderEntryDefault (EFI variables), else loader.conf `default` (a glob, matched
// against the entry id with and without ".conf"), else the first entry in
// systemd-boot's order (newest version first).
// Type #2 UKIs (EFI/Linux/*.efi) carry their command line inside the (signed) image: it is
// never touched; a selected UKI gets kdump-setup's command-line add-on in
// <uki>.efi.extra.d/ instead (core/uki.hpp), and remove deletes only that add-on.
// No regeneration: systemd-boot reads the entries at boot.
#pragma once

#include <string>
#include <vector>

#include "core/backend.hpp"

namespace kdump {

class SystemdBootBackend : public Backend {
public:
  std::string_view name() const override { return "systemd-boot"; }
  Detection detect(const BootModel& model) const override;
  Result<std::vector<ConfiguredValue>> configured(const BootModel& model) const override;
  Result<Plan> plan(const BootModel& model, const ReserveRequest& request) const override;
};

}  // namespace kdump
