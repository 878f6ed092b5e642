// The edits of /etc/default/grub (and its drop-ins) that put a crashkernel= value into
// GRUB_CMDLINE_LINUX, which grub-mkconfig puts on every Linux entry, recovery entries
// included (GRUB_CMDLINE_LINUX_DEFAULT reaches only the normal ones).
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
//
// Used by the grub2 backend and by the bls backend, which keeps GRUB_CMDLINE_LINUX in
// step for kernels installed later (`for_bls` drops the note that points to the bls
// backend). No regeneration command.
#pragma once

#include "backends/common/boot_model.hpp"
#include "core/backend.hpp"

namespace kdump {

Result<Plan> plan_grub_defaults(const BootModel& model, const ReserveRequest& request, bool for_bls);

}  // namespace kdump
