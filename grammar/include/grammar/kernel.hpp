// What a given kernel does with the crashkernel= parameters of a command line: the
// token it picks, how it parses it, what it will reserve and where. This models the
// kernel's code version by version:
//   6.1 (Debian 12)  kernel/crash_core.c + arch reserve_crashkernel()
//                    (arch/x86/kernel/setup.c, arch/arm64/mm/init.c)
//   >= 6.7           generic parse_crashkernel() + reserve_crashkernel_generic()
//   >= 6.12          generic rejects size >= system RAM
//   >= 6.16          ",cma" (x86)
//   >= 7.2           a memory value must have digits ("G" alone is rejected)
// and it is checked against real Debian kernels (6.1, 6.12, 7.x on x86_64; 6.12 on
// arm64) under QEMU (tests/vm). The release dispatch is KernelModel's predicates: a
// vendor variant hooks in there (e.g. a RHEL "crashkernel=auto" table).
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
  // memparse() of a unit letter alone ("G", "M-:256M") is "no number" from 7.2: the
  // kernel then says "memory value expected"; before, the letter is read as 0. Bounded
  // by booting Debian's kernels: 6.12.117, 6.19.14, 7.0.13 and 7.1.13 read
  // "crashkernel=G" as 0, 7.2.6 and 7.2.13 reject it.
  bool memparse_needs_digits() const { return at_least(7, 2); }
  // Low region when ",low" is not given. x86: crash_low_size_default() =
  // max(swiotlb_size_or_default() + 8 MiB, 256 MiB); `swiotlb_bytes` is the swiotlb
  // size of the command line (64 MiB without swiotlb=).
  std::uint64_t default_low_size(std::uint64_t swiotlb_bytes = 64 * MiB) const;
  std::uint64_t low_limit() const;       // CRASH_ADDR_LOW_MAX without a memory map
  std::uint64_t crash_align() const;     // CRASH_ALIGN of automatic placement
  std::uint64_t fixed_base_alignment() const;  // what "@offset" must be a multiple of
  std::uint64_t size_granule() const;    // sizes are rounded up to this (1: not rounded)
  std::string label() const;             // "6.1 x86_64"
  // Whether this arch's model was checked on a booted kernel (tests/vm) or is read
  // from the kernel source only.
  bool booted_here() const { return arch == Arch::x86_64 || arch == Arch::aarch64; }
};

// A physical address range [start, end).
struct PhysRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t size() const { return end > start ? end - start : 0; }
};

// The machine's RAM as the allocator sees it: the top-level "System RAM" ranges of
// /proc/iomem, and where the running kernel image lies (its "Kernel code" .. "Kernel
// bss" lines), which the next boot reuses only with nokaslr.
struct MemoryMap {
  std::vector<PhysRange> ram;      // sorted by start, not overlapping
  std::optional<PhysRange> kernel;
  std::uint64_t total() const;
  std::uint64_t largest() const;   // largest single range
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
  bool fell_back_high = false;          // a plain size that fits nowhere below 4 GiB went high
  bool map_known = false;               // placement used the machine's memory map
  std::uint64_t largest_hole = 0;       // largest free RAM range placement could use
  // The outcome depends on where KASLR puts the kernel (a fixed base, or a size close
  // to the largest hole) and the command line has no "nokaslr".
  std::optional<std::string> kaslr_dependent;
  // What the kernel logs about the reservation, as shell patterns ('*' stands for an
  // address): e.g. "crashkernel reserved: 0x* - 0x* (256 MB)".
  std::vector<std::string> log_patterns;

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
// With `map`, placement follows the top-down memblock search over its free ranges;
// without it a PC-like layout is assumed (RAM from 1 MiB, above 3 GiB moved above
// 4 GiB) and said so in `assumptions`.
KernelOutcome evaluate_cmdline(std::string_view cmdline, std::uint64_t system_ram,
                               const KernelModel& model, const MemoryMap* map = nullptr);

// The swiotlb size a command line asks for: the last "swiotlb=<slabs>" word, slabs of
// 2 KiB rounded up to 128 (kernel/dma/swiotlb.c setup_io_tlb_npages()); 64 MiB without.
std::uint64_t swiotlb_bytes(std::string_view cmdline);

}  // namespace kdump
