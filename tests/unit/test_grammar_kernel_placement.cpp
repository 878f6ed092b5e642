// Placement of crash regions in the machine's memory map, per kernel generation. Each
// rule cites the kernel source it models; every case here is also booted for real in
// tests/vm (cases-generations.tsv, cases-arm64.tsv) with the same memory maps.
#include <gtest/gtest.h>

#include "core/crash_state.hpp"
#include "core/explain.hpp"
#include "core/memory_map.hpp"
#include "grammar/kernel.hpp"

namespace kdump {
namespace {

// QEMU's pc machine with SeaBIOS: RAM below 4 GiB ends at 3 GiB - 128 KiB once -m
// reaches 3.5 GiB, the rest lies above 4 GiB; nokaslr puts the kernel at 16 MiB.
MemoryMap pc_map(std::uint64_t mem) {
  MemoryMap m;
  std::uint64_t below = mem >= 3584 * MiB ? 3 * GiB : mem;
  m.ram = {{0x1000, 0x9fc00}, {0x100000, below - 128 * KiB}};
  if (mem > below) m.ram.push_back({4 * GiB, 4 * GiB + mem - below});
  m.kernel = PhysRange{16 * MiB, 16 * MiB + 48 * MiB};
  return m;
}

// QEMU's virt machine: DRAM from 1 GiB, the kernel image at 1 GiB + 2 MiB.
MemoryMap virt_map(std::uint64_t mem) {
  MemoryMap m;
  m.ram = {{1 * GiB, 1 * GiB + mem}};
  m.kernel = PhysRange{1 * GiB + 2 * MiB, 1 * GiB + 40 * MiB};
  return m;
}

KernelOutcome eval(const char* release, const std::string& cmdline, const MemoryMap& map,
                   Arch arch = Arch::x86_64) {
  auto model = model_for_release(arch, release);
  EXPECT_TRUE(model);
  return evaluate_cmdline(cmdline, map.total(), *model, &map);
}

std::uint64_t kexec(const char* release, const KernelOutcome& o, Arch arch = Arch::x86_64) {
  return o.kexec_crash_size(*model_for_release(arch, release));
}

// arch/x86/kernel/setup.c (6.1) reserve_crashkernel(): "if (!crash_base)
// crash_base = memblock_phys_alloc_range(crash_size, CRASH_ALIGN, CRASH_ALIGN,
// CRASH_ADDR_HIGH_MAX)" after the low attempt failed; then "if (crash_base >= (1ULL
// << 32) && reserve_crashkernel_low())" adds the low region.
// kernel/crash_reserve.c reserve_crashkernel_generic(): "if (!high && search_end ==
// CRASH_ADDR_LOW_MAX) { search_end = CRASH_ADDR_HIGH_MAX; search_base =
// CRASH_ADDR_LOW_MAX; crash_low_size = DEFAULT_CRASH_KERNEL_LOW_SIZE; goto retry; }".
TEST(KernelPlacement, PlainSizeThatFitsNoHoleBelow4GGoesHighWithDefaultLow) {
  MemoryMap map = pc_map(8 * GiB);
  for (const char* rel : {"6.1.0-57-amd64", "6.12.117+deb13-amd64", "7.2.13+deb14-amd64"}) {
    KernelOutcome o = eval(rel, "nokaslr crashkernel=3G", map);
    EXPECT_EQ(o.crash_bytes, 3 * GiB) << rel;
    EXPECT_EQ(o.low_bytes, 256 * MiB) << rel;
    EXPECT_TRUE(o.fell_back_high) << rel;
    EXPECT_TRUE(o.map_known);
  }
  EXPECT_EQ(kexec("6.1.0-57-amd64", eval("6.1.0-57-amd64", "crashkernel=3G", map)), 3 * GiB);
  EXPECT_EQ(kexec("7.2.13", eval("7.2.13", "crashkernel=3G", map)), 3 * GiB + 256 * MiB);
  // 1 GiB fits below 4 GiB: one region, no low part.
  KernelOutcome low = eval("7.2.13", "nokaslr crashkernel=1G", map);
  EXPECT_EQ(low.low_bytes, 0u);
  EXPECT_FALSE(low.fell_back_high);
}

// 6.1 reserve_crashkernel_low() reads "crashkernel=Y,low" for any main region above
// 4 GiB; the generic fallback sets crash_low_size itself, so ",low" is not read.
TEST(KernelPlacement, LowSuffixOnFallback61ReadsItGenericIgnoresIt) {
  MemoryMap map = pc_map(8 * GiB);
  const std::string line = "nokaslr crashkernel=3G crashkernel=128M,low";
  EXPECT_EQ(eval("6.1.0-57-amd64", line, map).low_bytes, 128 * MiB);
  EXPECT_EQ(eval("6.12.117", line, map).low_bytes, 256 * MiB);
}

// arch/x86/include/asm/crash_reserve.h crash_low_size_default(): "max(
// swiotlb_size_or_default() + (8UL << 20), 256UL << 20)"; kernel/dma/swiotlb.c
// setup_io_tlb_npages(): "default_nslabs = ALIGN(simple_strtoul(str, &str, 0),
// IO_TLB_SEGSIZE)", slabs of 1 << IO_TLB_SHIFT (2 KiB), IO_TLB_SEGSIZE 128.
TEST(KernelPlacement, DefaultLowRegionFollowsSwiotlb) {
  EXPECT_EQ(swiotlb_bytes(""), 64 * MiB);
  EXPECT_EQ(swiotlb_bytes("swiotlb=131072"), 256 * MiB);
  EXPECT_EQ(swiotlb_bytes("swiotlb=150000,force"), 150016ull * 2048);
  EXPECT_EQ(swiotlb_bytes("swiotlb=262144 swiotlb=65536"), 128 * MiB);  // the last wins
  EXPECT_EQ(swiotlb_bytes("xswiotlb=262144"), 64 * MiB);
  MemoryMap map = pc_map(6 * GiB);
  for (const char* rel : {"6.1.0-57-amd64", "7.2.13"}) {
    EXPECT_EQ(eval(rel, "crashkernel=256M,high swiotlb=131072", map).low_bytes, 264 * MiB) << rel;
    EXPECT_EQ(eval(rel, "crashkernel=256M,high swiotlb=150000", map).low_bytes, 301 * MiB) << rel;
    EXPECT_EQ(eval(rel, "crashkernel=256M,high swiotlb=32768", map).low_bytes, 256 * MiB) << rel;
  }
  EXPECT_EQ(eval("7.2.13", "crashkernel=3G swiotlb=262144", pc_map(8 * GiB)).low_bytes, 520 * MiB);
}

// mm/memblock.c memblock_phys_alloc_range() finds nothing: 6.1 "crashkernel
// reservation failed - No suitable area found.", generic "cannot allocate crashkernel
// (size:0x%llx)".
TEST(KernelPlacement, SizeTheMapCannotHoldIsReservedNowhere) {
  MemoryMap map = pc_map(4 * GiB);
  KernelOutcome o61 = eval("6.1.0-57-amd64", "nokaslr crashkernel=3G", map);
  EXPECT_EQ(o61.crash_bytes, 0u);
  EXPECT_EQ(o61.placement_failure, "crashkernel reservation failed - No suitable area found.");
  KernelOutcome o612 = eval("6.12.117", "nokaslr crashkernel=3G", map);
  EXPECT_EQ(o612.crash_bytes, 0u);
  EXPECT_EQ(o612.placement_failure, "cannot allocate crashkernel (size:0xc0000000)");
  EXPECT_EQ(o612.largest_hole, 3 * GiB - 128 * KiB - 64 * MiB);
  // Without the map the same value looks placeable (RAM assumed contiguous).
  auto m = *model_for_release(Arch::x86_64, "6.12.117");
  EXPECT_EQ(evaluate_cmdline("crashkernel=3G", map.total(), m).crash_bytes, 3 * GiB);
  // explain says so, with the largest free range.
  Explanation x = explain_cmdline("nokaslr crashkernel=3G", 0, map.total(), "6.12.117", m, &map);
  bool warned = false;
  for (const auto& w : x.warnings) warned = warned || w.find("largest free range") != std::string::npos;
  EXPECT_TRUE(warned);
}

// A low region that fits nowhere frees the main one: 6.1 "Cannot reserve %ldMB
// crashkernel low memory, please try smaller size.", generic "cannot allocate
// crashkernel low memory (size:0x%llx)." then memblock_phys_free() of the main region.
TEST(KernelPlacement, LowRegionThatDoesNotFitFreesTheMainOne) {
  MemoryMap map = pc_map(6 * GiB);
  KernelOutcome o = eval("7.2.13", "nokaslr crashkernel=256M,high crashkernel=3G,low", map);
  EXPECT_EQ(o.crash_bytes, 0u);
  EXPECT_EQ(o.low_bytes, 0u);
  EXPECT_EQ(o.placement_failure, "cannot allocate crashkernel low memory (size:0xc0000000).");
}

// Fixed bases: 6.1 x86 memblock_phys_alloc_range(crash_size, SZ_1M, crash_base, ...),
// generic CRASH_ALIGN (16 MiB); a base in the kernel image or a hole is "in use".
TEST(KernelPlacement, FixedBaseAgainstTheMap) {
  MemoryMap map = pc_map(6 * GiB);
  EXPECT_EQ(eval("7.2.13", "nokaslr crashkernel=256M@3200M", map).placement_failure,
            "crashkernel reservation failed - memory is in use.");
  KernelOutcome above = eval("7.2.13", "nokaslr crashkernel=512M@4608M", map);
  EXPECT_EQ(above.crash_bytes, 512 * MiB);
  EXPECT_EQ(above.low_bytes, 0u);  // generic: no low region for a fixed base
  EXPECT_EQ(eval("6.1.0-57-amd64", "nokaslr crashkernel=512M@4608M", map).low_bytes, 256 * MiB);
  MemoryMap small = pc_map(2 * GiB);
  EXPECT_EQ(eval("6.1.0-57-amd64", "nokaslr crashkernel=64M@32M", small).crash_bytes, 0u);
  EXPECT_EQ(eval("6.1.0-57-amd64", "nokaslr crashkernel=64M@769M", small).crash_bytes, 64 * MiB);
  EXPECT_EQ(eval("6.12.117", "nokaslr crashkernel=64M@769M", small).crash_bytes, 0u);
}

// With KASLR the kernel can sit anywhere: a fixed base, or a size with less room in its
// hole than the kernel takes, is labelled; nokaslr makes it deterministic.
TEST(KernelPlacement, KaslrDependenceIsLabelled) {
  MemoryMap map = pc_map(2 * GiB);
  EXPECT_TRUE(eval("7.2.13", "crashkernel=64M@768M", map).kaslr_dependent);
  EXPECT_FALSE(eval("7.2.13", "nokaslr crashkernel=64M@768M", map).kaslr_dependent);
  EXPECT_TRUE(eval("7.2.13", "crashkernel=2000M", map).kaslr_dependent);
  EXPECT_FALSE(eval("7.2.13", "crashkernel=256M", map).kaslr_dependent);
}

// The kernel's log lines, per generation (6.1 x86 setup.c pr_info, generic
// kernel/crash_reserve.c "crashkernel reserved: 0x%016llx - 0x%016llx (%lld MB)").
TEST(KernelPlacement, ExpectedLogLines) {
  MemoryMap map = pc_map(6 * GiB);
  auto o61 = eval("6.1.0-57-amd64", "nokaslr crashkernel=256M,high", map);
  ASSERT_EQ(o61.log_patterns.size(), 2u);
  EXPECT_EQ(o61.log_patterns[0], "Reserving 256MB of low memory at *MB for crashkernel (low RAM limit: *MB)");
  EXPECT_EQ(o61.log_patterns[1], "Reserving 256MB of memory at *MB for crashkernel (System RAM: " +
                                     std::to_string(map.total() >> 20) + "MB)");
  auto o7 = eval("7.2.13", "nokaslr crashkernel=256M,high", map);
  ASSERT_EQ(o7.log_patterns.size(), 2u);
  EXPECT_EQ(o7.log_patterns[0], "crashkernel low memory reserved: 0x* - 0x* (256 MB)");
  EXPECT_EQ(o7.log_patterns[1], "crashkernel reserved: 0x* - 0x* (256 MB)");
}

// 7.2+: memparse() of a unit letter alone does not move the end pointer, so every
// caller's "no number" check fires. Booted: 7.1.13 reads "crashkernel=G" as 0, 7.2.6
// prints "crashkernel: memory value expected".
TEST(KernelPlacement, UnitWithoutDigitsRejectedFrom72) {
  MemoryMap map = pc_map(2 * GiB);
  EXPECT_FALSE(eval("7.1.13+deb13-amd64", "crashkernel=G", map).error);
  EXPECT_TRUE(eval("7.2.6+deb13-amd64", "crashkernel=G", map).error);
  auto g7 = eval("7.2.13", "crashkernel=G", map);
  ASSERT_TRUE(g7.error);
  EXPECT_EQ(g7.error->text, "crashkernel: memory value expected");
  EXPECT_FALSE(eval("6.12.117", "crashkernel=G", map).error);
  auto r7 = eval("7.2.13", "crashkernel=M-:256M", map);
  ASSERT_TRUE(r7.error);
  EXPECT_EQ(r7.error->text, "crashkernel: Memory value expected");
  EXPECT_EQ(eval("6.12.117", "crashkernel=M-:256M", map).crash_bytes, 256 * MiB);
  auto s7 = eval("7.2.13", "crashkernel=1G-:M", map);
  ASSERT_TRUE(s7.error);
  EXPECT_EQ(s7.error->text, "crashkernel: Memory value expected");
  auto o7 = eval("7.2.13", "crashkernel=1G-:128M@G", map);
  ASSERT_TRUE(o7.error);
  EXPECT_EQ(o7.error->text, "crashkernel: Memory value expected after '@'");
}

// arm64 (kernel/crash_reserve.c generic, arch/arm64/mm/init.c): CRASH_ADDR_LOW_MAX is
// arm64_dma_phys_limit (4 GiB, or the end of DRAM below it), default low 128 MiB.
TEST(KernelPlacement, Arm64LowFirstThenHigh) {
  const char* rel = "6.12.117+deb13-arm64";
  auto fb = eval(rel, "nokaslr crashkernel=3G", virt_map(8 * GiB), Arch::aarch64);
  EXPECT_EQ(fb.crash_bytes, 3 * GiB);
  EXPECT_EQ(fb.low_bytes, 128 * MiB);
  auto high = eval(rel, "nokaslr crashkernel=256M,high", virt_map(2 * GiB), Arch::aarch64);
  EXPECT_EQ(high.crash_bytes, 256 * MiB);  // nothing above the DMA limit: falls back low
  EXPECT_EQ(high.low_bytes, 0u);
  auto fixed = eval(rel, "nokaslr crashkernel=256M@6G", virt_map(8 * GiB), Arch::aarch64);
  EXPECT_EQ(fixed.crash_bytes, 256 * MiB);
  EXPECT_EQ(fixed.low_bytes, 0u);
  EXPECT_EQ(eval(rel, "nokaslr crashkernel=128M@2049M", virt_map(2 * GiB), Arch::aarch64).crash_bytes, 0u);
  EXPECT_EQ(eval(rel, "nokaslr crashkernel=2040M", virt_map(2 * GiB), Arch::aarch64).crash_bytes, 0u);
}

TEST(MemoryMap, FromIomem) {
  auto m = memory_map_from_iomem(
      "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n"
      "00100000-bffdffff : System RAM\n  01000000-01ffffff : Kernel code\n"
      "  02200000-0280ffff : Kernel bss\n    02000000-020fffff : System RAM\n"
      "100000000-23fffffff : System RAM\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->ram.size(), 3u);  // the nested System RAM is not counted
  EXPECT_EQ(m->ram[1].start, 0x100000u);
  EXPECT_EQ(m->ram[1].end, 0xbffe0000u);
  EXPECT_EQ(m->ram[2].end, 0x240000000u);
  ASSERT_TRUE(m->kernel);
  EXPECT_EQ(m->kernel->start, 0x1000000u);
  EXPECT_EQ(m->kernel->end, 0x2810000u);
  EXPECT_FALSE(memory_map_from_iomem("00000000-00000000 : System RAM\n"));
  EXPECT_FALSE(memory_map_from_iomem("00100000-bfffffff : Reserved\n"));
}

TEST(ExplainProvenance, UnbootedArchesSaySourceOnly) {
  EXPECT_FALSE(model_provenance_note(*model_for_release(Arch::x86_64, "6.1.0")));
  EXPECT_FALSE(model_provenance_note(*model_for_release(Arch::aarch64, "6.12.0")));
  for (Arch a : {Arch::ppc64le, Arch::s390x, Arch::riscv64}) {
    auto note = model_provenance_note(*model_for_release(a, "6.12.0"));
    ASSERT_TRUE(note);
    EXPECT_NE(note->find("derived from the kernel source only"), std::string::npos);
  }
}

}  // namespace
}  // namespace kdump

namespace kdump {
namespace {

// Both message generations, as the booted kernels print them (tests/vm/RESULTS.md).
TEST(CrashLog, ClassifiesOldAndNewMessages) {
  using K = CrashLogKind;
  EXPECT_EQ(classify_crash_log_line("Reserving 128MB of memory at 1904MB for crashkernel (System RAM: 2047MB)"), K::reserved);
  EXPECT_EQ(classify_crash_log_line("Reserving 256MB of low memory at 2800MB for crashkernel (low RAM limit: 4096MB)"), K::low_reserved);
  EXPECT_EQ(classify_crash_log_line("crashkernel reserved: 0x000000017f000000 - 0x000000023f000000 (3072 MB)"), K::reserved);
  EXPECT_EQ(classify_crash_log_line("crashkernel low memory reserved: 0xaf000000 - 0xbf000000 (256 MB)"), K::low_reserved);
  EXPECT_EQ(classify_crash_log_line("crashkernel reservation failed - No suitable area found."), K::failed);
  EXPECT_EQ(classify_crash_log_line("crashkernel reservation failed - memory is in use."), K::failed);
  EXPECT_EQ(classify_crash_log_line("cannot allocate crashkernel (size:0xc0000000)"), K::failed);
  EXPECT_EQ(classify_crash_log_line("cannot allocate crashkernel low memory (size:0xc0000000)."), K::failed);
  EXPECT_EQ(classify_crash_log_line("Cannot reserve 3072MB crashkernel low memory, please try smaller size."), K::failed);
  EXPECT_EQ(classify_crash_log_line("crashkernel: memory value expected"), K::rejected);
  EXPECT_EQ(classify_crash_log_line("Memory value expected after '@'"), K::rejected);
  EXPECT_EQ(classify_crash_log_line("crashkernel size resulted in zero bytes"), K::rejected);
  EXPECT_EQ(classify_crash_log_line("crashkernel CMA reserved: 64 MB in 1 ranges"), K::cma_reserved);
}

}  // namespace
}  // namespace kdump
