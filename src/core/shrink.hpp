// shrink: give reserved crash kernel memory back to the running system, without a
// reboot, by writing a smaller size to /sys/kernel/kexec_crash_size.
//
// The kernel's rules (6.1 kernel/kexec_core.c crash_shrink_memory(); >= 6.5
// kernel/crash_core.c crash_shrink_memory() and __crash_shrink_memory()):
//   - only while no crash kernel is loaded (kexec_crash_image set: -ENOENT), and only
//     while nobody holds the kexec lock (-EBUSY: retry);
//   - only shrinking: a size equal to the current one is a no-op, a larger one -EINVAL;
//   - the size is rounded up to KEXEC_CRASH_MEM_ALIGN (the page size; 1 MiB on s390);
//   - the region keeps its start and loses its tail, which becomes "System RAM" again
//     (a "System RAM" resource inserted right after the "Crash kernel" one in
//     /proc/iomem: the evidence `verify` reads);
//   - 6.1 (<= 6.4): kexec_crash_size is the main region only; the low region is
//     neither counted nor shrunk. >= 6.5 (commit 16c6006af4d4): it counts main + low;
//     the main region shrinks first, the low one only once the main one is gone.
// So after a successful write kexec_crash_size reads the requested size rounded up.
//
// Only this file writes to sysfs, as only the apply step writes boot files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/crash_state.hpp"
#include "grammar/kernel.hpp"
#include "util/result.hpp"
#include "util/runner.hpp"

namespace kdump {

// KEXEC_CRASH_MEM_ALIGN: the page size, 1 MiB on s390 (arch/s390/include/asm/kexec.h).
std::uint64_t crash_mem_align(Arch arch, std::uint64_t page_size);

// What kexec_crash_size reads after writing `bytes` (rounded up to `align`).
std::uint64_t shrunk_size(std::uint64_t bytes, std::uint64_t align);

struct ShrinkPlan {
  std::uint64_t before_bytes = 0;     // kexec_crash_size now
  std::uint64_t requested_bytes = 0;  // what was asked
  std::uint64_t after_bytes = 0;      // what it will read (requested, rounded up)
  std::string sysfs;                  // the file, as shown to the user
  bool changes() const { return after_bytes < before_bytes; }
};

// Pure. Errors: no kexec crash support, nothing reserved (unsupported, exit 3); zero
// or a size above the current one (usage, exit 2: the kernel only shrinks). A loaded
// crash kernel is not checked here: the caller decides whether to unload it.
Result<ShrinkPlan> plan_shrink(const CrashState& state, std::uint64_t requested, std::uint64_t align);

// Writes `bytes` in decimal to the kexec crash size file below `root`
// (/sys/kernel/kexec/crash_size, else /sys/kernel/kexec_crash_size) in one write(2),
// then reads it back. The kernel's refusals become Errors that say why: ENOENT (a
// crash kernel is loaded), EINVAL (larger than reserved), EBUSY (kexec lock held).
Result<std::uint64_t> write_crash_size(const std::filesystem::path& root, std::uint64_t bytes);

// The kdump package's own commands to unload and load the crash kernel, so that its
// configuration (kernel, initramfs, command line) is what gets loaded again.
struct KdumpService {
  std::string package;               // "kdump-tools (Debian, Ubuntu)"
  std::vector<std::string> unload;   // argv
  std::vector<std::string> load;     // argv
};
// Debian/Ubuntu kdump-tools' kdump-config, then Fedora/RHEL kdump-utils' kdumpctl.
const std::vector<KdumpService>& kdump_services();

struct ShrinkRun {
  std::uint64_t after_bytes = 0;      // kexec_crash_size read back
  std::string package;                // the service used, empty without reload
  std::vector<RunOutcome> commands;   // what ran, in order
};

// With `reload`: unloads the crash kernel through the first service whose tool can be
// started, writes, then loads it again (also when the write failed, so kdump is
// armed as before). Without: only the write. Runs commands only from argv lists.
Result<ShrinkRun> shrink_running(const std::filesystem::path& root, std::uint64_t bytes, Runner* reload);

}  // namespace kdump
