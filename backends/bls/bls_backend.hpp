// The BLS backend: GRUB with Fedora/RHEL's blscfg, which boots
// the Boot Loader Specification entries in /boot/loader/entries (the Boot Loader
// Specification; GRUB's blscfg module as Fedora/RHEL patch it in).
//
// What it edits, in the order the files are written (grub file first, then
// /etc/kernel/cmdline, then what boots now — the order grubby keeps):
//   1. GRUB_CMDLINE_LINUX in /etc/default/grub, through the shared GRUB defaults editor
//      (backends/common/grub_defaults_plan.hpp), so that `grub2-mkconfig` and grubby keep it;
//   2. /etc/kernel/cmdline when it exists (kernel-install and 20-grub.install copy it into
//      new entries); when it does not, new entries get /proc/cmdline, noted;
//      1 and 2 only with --kernel all: they are what every future kernel gets;
//   3. `kernelopts` in /boot/grub2/grubenv when a selected entry's options say
//      `$kernelopts` (RHEL 8), with --kernel all only: the variable is shared by every
//      entry that names it; for one entry the value is written on that entry's own line
//      after `$kernelopts` (the kernel takes the last crashkernel=), like grubby does for a
//      single kernel;
//   4. the first `options` line of every selected entry (GRUB's blscfg reads only the
//      first; crashkernel= on later lines is ignored by GRUB and left, noted). An entry
//      without an `options` line boots $default_kernelopts: skipped, noted.
// No regeneration: blscfg reads the entries at boot.
//
// Rules stated (plan notes say when they apply):
//   machine-id  entries are edited whatever machine-id they carry (name or key): GRUB
//               shows and boots them all, and cloud images keep entries of the image
//               build's machine-id; a foreign one is noted.
//   rescue      `*-0-rescue*` entries are part of `all` (as with kdump-utils and grubby's
//               ALL): a rescue boot that crashes is worth a dump; never matched by a
//               release; the default only when saved_entry names it.
//   counting    `NAME+LEFT[-DONE].conf`: the counter is not part of the entry id
//               (saved_entry, --kernel); the file keeps its name (edited in place).
//   default     GRUB_DEFAULT (as grub2-mkconfig sees it) `saved` or unset: grubenv's
//               saved_entry (an entry id, or a title), else the first entry in GRUB's
//               order; a number N: the Nth entry in that order; another string: an
//               entry with that id or title. GRUB's order: by version, newest first.
//   ostree      /run/ostree-booted: refused (exit 3) with the rpm-ostree kargs command.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/backend.hpp"

namespace kdump {

class BlsBackend : public Backend {
public:
  std::string_view name() const override { return "bls"; }
  Detection detect(const BootModel& model) const override;
  Result<std::vector<ConfiguredValue>> configured(const BootModel& model) const override;
  Result<Plan> plan(const BootModel& model, const ReserveRequest& request) const override;
};

}  // namespace kdump
