// The kernel release the capture will run, for `recommend` and `reserve auto`: the
// kernel of the entry that boots next (kdump-tools and kdumpctl load the running
// kernel's release, which after the reboot that makes crashkernel= effective is that
// entry's), unless --kernel-release names one.
#pragma once

#include "backends/common/boot_model.hpp"
#include "core/facts.hpp"
#include "core/run_context.hpp"

namespace kdump::cli {

// Sets facts.kernel_release to the next boot entry's release when the model knows it
// and it differs (the source names the entry), and looks up that release's capture
// initramfs again. Nothing when --kernel-release was given (`overridden`) or no entry
// names a release.
void use_next_boot_release(const BootModel& model, const RunContext& ctx, SystemFacts& facts, bool overridden);

// The same for verbs without a boot model: loads it (the backend setting chooses the
// loader). A tree without a supported boot loader keeps the running kernel's release.
void use_next_boot_release(const RunContext& ctx, SystemFacts& facts, bool overridden);

}  // namespace kdump::cli
