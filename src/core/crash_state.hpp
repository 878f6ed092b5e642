// CrashState: what the running kernel says about its crash kernel reservation
// (kernel/ksysfs.c kexec_crash_size_show(), kernel/kexec_core.c crash_shrink_memory(), the "Crash kernel" resources of kernel/crash_core.c). Read once per `status`/`verify` run, each
// fact with its source; under --root DIR everything is read below DIR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/facts.hpp"
#include "util/result.hpp"

namespace kdump {

// One "Crash kernel" line of /proc/iomem; `end` is inclusive as the kernel prints it.
struct CrashRegion {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t bytes() const { return end - start + 1; }
};

struct CrashState {
  // /sys/kernel/kexec_crash_size, or /sys/kernel/kexec/crash_size on newer kernels.
  // Absent: the kernel was built without kexec/crash dump support.
  std::optional<Fact<std::uint64_t>> crash_size;
  std::optional<Fact<bool>> loaded;                  // /sys/kernel/kexec_crash_loaded
  // The "Crash kernel" regions, low one first; nullopt when /proc/iomem could not be
  // read or hides addresses (not root): `regions_unknown` says why.
  std::optional<std::vector<CrashRegion>> regions;
  std::string regions_source;
  std::string regions_unknown;
  // Memory a runtime shrink gave back: the "System RAM" resources the kernel inserts
  // right after a shrunk "Crash kernel" region (see released_after_crash_regions).
  std::vector<CrashRegion> released;
  std::optional<Fact<bool>> fadump;                  // /sys/kernel/fadump{,_}enabled (POWER)
  // Kernel log lines about the reservation ("crashkernel ...", "Reserving ... for
  // crashkernel"), evidence for why nothing was reserved. Optional: the log may rotate.
  std::vector<std::string> log_lines;
  std::string log_source;
};

Result<CrashState> gather_crash_state(const FactSource& source);

// The "Crash kernel" lines of a /proc/iomem text, in file order. nullopt when every
// one reads 00000000-00000000 (the reader lacks CAP_SYS_ADMIN).
std::optional<std::vector<CrashRegion>> crash_regions_from_iomem(std::string_view iomem);

// The tails a runtime shrink (echo N > /sys/kernel/kexec_crash_size) gave back: the
// "System RAM" lines nested at the same depth as a "Crash kernel" line, the first
// starting right after its end, each next one right after the one before (every
// shrink inserts one tail, so two shrinks leave two). crash_shrink_memory() (6.1 kernel/kexec_core.c, >= 6.5
// kernel/crash_core.c) inserts exactly that resource; a boot never nests "System RAM".
std::vector<CrashRegion> released_after_crash_regions(std::string_view iomem);

// Lines of a kernel log that speak about crashkernel= (case-insensitive "crashkernel"
// or "crash kernel"), without syslog prefixes such as "<6>" or "[    0.000000] ".
std::vector<std::string> crashkernel_log_lines(std::string_view log);

// What a kernel log line about crashkernel= says, for both message generations:
//   6.1 x86 (arch/x86/kernel/setup.c): "Reserving %ldMB of memory at %ldMB for
//     crashkernel (System RAM: %ldMB)", "Reserving %ldMB of low memory at ...",
//     "crashkernel reservation failed - No suitable area found." / "- memory is in use.",
//     "Cannot reserve %ldMB crashkernel low memory, please try smaller size."
//   6.1 arm64 and generic 6.7+ (kernel/crash_reserve.c): "crashkernel reserved: 0x%016llx
//     - 0x%016llx (%lld MB)", "crashkernel low memory reserved: ...", "cannot allocate
//     crashkernel (size:0x%llx)", "cannot allocate crashkernel low memory (size:0x%llx).",
//     "crashkernel CMA reserved: ...", "crashkernel CMA reservation failed: ..."
//   parser warnings of every generation: "crashkernel: ...", "Memory value expected",
//     "crashkernel size resulted in zero bytes".
enum class CrashLogKind { reserved, low_reserved, cma_reserved, failed, rejected, other };
CrashLogKind classify_crash_log_line(std::string_view line);

}  // namespace kdump
