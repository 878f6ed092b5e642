// The GRUB2 backend (design.md §4): crashkernel= goes into GRUB_CMDLINE_LINUX, which
// grub-mkconfig puts on every Linux entry, recovery entries included
// (GRUB_CMDLINE_LINUX_DEFAULT reaches only the normal ones, bootloaders.md §1.2).
//
// Where the edit goes, in order of preference:
//   1. an existing crashkernel= word of GRUB_CMDLINE_LINUX: replaced in place, in the
//      assignment that wrote it (wherever it is: a package's drop-in is edited with a
//      note that says so);
//   2. the assignment of /etc/default/grub whose value reaches the final
//      GRUB_CMDLINE_LINUX (the first of its chain), keeping its quoting;
//   3. where the distribution sources /etc/default/grub.d/*.cfg (Debian, Ubuntu) and
//      no assignment of /etc/default/grub takes effect (a later drop-in resets the
//      variable, shell code changes it, it cannot be edited faithfully): our own drop-in
//      /etc/default/grub.d/zz-kdump-setup.cfg, sorted last, appending with
//      GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX crashkernel=X";
//   4. no GRUB_CMDLINE_LINUX anywhere: a line appended to /etc/default/grub, marked
//      "# added by kdump-setup" so that `remove` takes the whole line out again.
// Every other crashkernel= word that reaches the kernel (GRUB_CMDLINE_LINUX_DEFAULT,
// e.g. from Debian's kdump-tools.cfg; a second one in GRUB_CMDLINE_LINUX) is removed
// where it is written: the kernel takes the last one. Words in assignments that a later
// one overrides have no effect and are left alone (noted).
//
// The plan is checked before it is returned: the edited files are parsed and evaluated
// again, and GRUB_CMDLINE_LINUX must carry the value exactly once, no other variable
// any, and every other word must be unchanged. Otherwise nothing is planned (error).
//
// Refused (error, file:line:column): files that cannot be parsed faithfully; shell code
// that kdump-setup does not run when it could add crashkernel= (it mentions crashkernel,
// sources or evals other code, command substitution in a GRUB_CMDLINE_* value).
#pragma once

#include <optional>
#include <string>

#include "core/backend.hpp"

namespace kdump {

class Grub2Backend : public Backend {
public:
  std::string_view name() const override { return "grub2"; }
  Detection detect(const RootDir& root, const SystemFacts& facts) const override;
  Result<std::vector<ConfiguredValue>> configured(const RootDir& root,
                                                  const SystemFacts& facts) const override;
  Result<Plan> plan(const RootDir& root, const SystemFacts& facts,
                    const ReserveRequest& request) const override;

  // The edits of /etc/default/grub (and drop-ins) that put request.value into
  // GRUB_CMDLINE_LINUX (or take crashkernel= out), checked as described above; no
  // regeneration command. Shared with the bls backend, which keeps GRUB_CMDLINE_LINUX in
  // step for future kernels (`for_bls` drops the note that points to the bls backend).
  static Result<Plan> plan_defaults(const RootDir& root, const ReserveRequest& request, bool for_bls);

  // The grub.cfg grub-mkconfig writes on this tree ("/boot/grub/grub.cfg",
  // "/boot/grub2/grub.cfg", "/boot/efi/EFI/<vendor>/grub.cfg" when that is the real one
  // and not the 3-line stub); nullopt when there is none.
  static std::optional<std::string> grub_cfg_path(const RootDir& root, const SystemFacts& facts);

  // The command that regenerates it: update-grub (Debian, Ubuntu), else
  // grub-mkconfig -o CFG, else grub2-mkconfig -o CFG; nullopt when none is installed.
  // plan() lists it whenever a file changes; the apply step runs it only on the running
  // system (under --root it would regenerate the host's grub.cfg).
  static std::optional<Command> regeneration_command(const RootDir& root, const SystemFacts& facts);
};

}  // namespace kdump
