// What a given kernel does with the crashkernel= parameters of a command line: the
// token it picks, how it parses it, what it will reserve. This models the kernel's
// code version by version (shared/notes/kernel-crashkernel.md):
//   6.1 (Debian 12)  kernel/crash_core.c + arch reserve_crashkernel()
//   >= 6.7           generic parse_crashkernel() + reserve_crashkernel_generic()
//   >= 6.12          generic rejects size >= system RAM
//   >= 6.16          ",cma" (x86)
// and it is checked against the real Debian kernel under QEMU (tests/vm).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grammar/crashkernel.hpp"

namespace kdump {

enum class Arch { x86_64, i386, aarch64, ppc64le, s390x, riscv64, loongarch64, unknown };

std::string_view arch_name(Arch a);            // "x86_64", ...
std::optional<Arch> parse_arch(std::string_view name);  // accepts uname -m and Debian names

// The behaviour of one kernel release on one architecture.
struct KernelModel {
  Arch arch = Arch::x86_64;
  int major = 6;
  int minor = 1;
  int rhel = 0;  // 7 or 8: a RHEL kernel with its own crashkernel=auto (kernel_rhel_auto.cpp)

  bool at_least(int ma, int mi) const { return major > ma || (major == ma && minor >= mi); }
  bool rounds_ram_to_128m() const { return at_least(6, 0); }
  bool generic_reservation() const;      // reserve_crashkernel_generic() in use
  bool rejects_size_not_below_ram() const;  // generic "crash_size >= system_ram" check
  bool knows_cma() const { return at_least(6, 16); }  // ",cma" is in suffix_tbl[]
  bool reserves_cma() const;             // the arch passes cma_size (x86 from 6.16)
  bool has_high_low() const;             // ",high"/",low" are understood on this arch
  bool crash_size_counts_low() const { return at_least(6, 5); }  // commit 16c6006af4d4
  std::uint64_t default_low_size() const;  // low region when ",low" is not given
  std::uint64_t fixed_base_alignment() const;  // what "@offset" must be a multiple of
  std::uint64_t size_granule() const;    // sizes are rounded up to this (1: not rounded)
  std::string label() const;             // "6.1 x86_64"
};

// Parses "6.1.0-56-amd64", "6.12.9", "5.14.0-427.el9.x86_64"; nullopt if no major.minor.
// "3.10.0-*.el7*" and "4.18.0-*.el8*" are RHEL 7/8 kernels (KernelModel::rhel).
std::optional<KernelModel> model_for_release(Arch arch, std::string_view release);

// A crashkernel= occurrence in a command line, as get_last_crashkernel() sees it.
struct CmdlineToken {
  std::size_t begin = 0;        // offset of "crashkernel=" in the command line
  std::size_t value_begin = 0;  // offset of the value
  std::size_t end = 0;          // offset of the first ' ' after it, or the line's end
  bool standalone = true;       // starts a word (false: "xcrashkernel=", "a.crashkernel=")
  std::string_view value;       // the text between value_begin and end
};

// Every substring match of "crashkernel=" in the line, in order (the kernel's strstr
// loop: case-sensitive, no word boundary, only ' ' ends a token).
std::vector<CmdlineToken> find_crashkernel_tokens(std::string_view cmdline);

// A message the kernel would print while parsing, and where in the command line.
struct KernelMessage {
  std::string text;        // exact pr_warn/pr_info text, e.g. "crashkernel: end <= start"
  std::size_t offset = 0;  // offset into the command line of the character it is about
};

// The outcome of the kernel's parse and reservation decision for a command line.
struct KernelOutcome {
  std::optional<CmdlineToken> plain;  // the plain token the kernel picked (the last one)
  std::optional<CmdlineToken> high;   // the ",high" token, when it was looked up
  std::optional<CmdlineToken> low;
  std::optional<CmdlineToken> cma;

  // Parse result of the token that decided the main reservation.
  std::optional<KernelMessage> error;   // the parse was rejected (pr_warn)
  std::vector<KernelMessage> info;      // pr_info lines, e.g. "resulted in zero bytes"
  std::optional<std::string> silent_rejection;  // a check the kernel makes without a message
  std::optional<std::string> placement_failure; // the allocator will not find the region

  bool used_high = false;               // the ",high" form decided the reservation
  std::uint64_t total_for_ranges = 0;   // RAM as the range form compares it
  std::optional<RangeSize> matched;     // the range entry that matched
  std::uint64_t requested_bytes = 0;    // size the parse produced (before placement)
  std::uint64_t crash_bytes = 0;        // main region that will be reserved (0: none)
  std::optional<std::uint64_t> offset;  // fixed base, when one was given (non-zero)
  std::uint64_t low_bytes = 0;          // low region that will be reserved too
  std::uint64_t cma_bytes = 0;          // ",cma" reservation (not part of kexec_crash_size)
  std::vector<std::string> assumptions; // placement facts this prediction assumed

  // Whether a crash kernel region will be reserved at all, and what
  // /sys/kernel/kexec_crash_size will read on this release.
  bool reserves() const { return crash_bytes > 0; }
  std::uint64_t kexec_crash_size(const KernelModel& m) const {
    return crash_bytes + (m.crash_size_counts_low() ? low_bytes : 0);
  }
  // The sum of the "Crash kernel" regions in /proc/iomem (main + low).
  std::uint64_t crash_regions_bytes() const { return crash_bytes + low_bytes; }
};

// What the kernel `model` does with `cmdline` on a machine whose RAM, as the kernel
// counts it (memblock_phys_mem_size(), the sum of "System RAM"), is `system_ram`.
KernelOutcome evaluate_cmdline(std::string_view cmdline, std::uint64_t system_ram,
                               const KernelModel& model);

}  // namespace kdump
