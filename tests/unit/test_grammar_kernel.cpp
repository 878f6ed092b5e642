// The kernel model, case by case. Each expectation was worked out from the kernel
// source (kernel/crash_core.c, kernel/crash_reserve.c, arch/x86/kernel/setup.c), not from our output; the x86
// 6.1 cases are also booted for real in tests/vm.
#include <gtest/gtest.h>

#include "grammar/kernel.hpp"

namespace kdump {
namespace {

constexpr std::uint64_t qemu(std::uint64_t m) { return m - 529408; }  // SeaBIOS pc: -m minus 517 KiB
constexpr std::uint64_t k_r2g = qemu(2 * GiB);                          // 2047.5 MiB

struct Case {
  const char* name;
  const char* release;
  Arch arch;
  std::uint64_t ram;
  const char* cmdline;
  std::uint64_t crash;      // main region reserved
  std::uint64_t low;        // low region reserved
  std::uint64_t kexec;      // /sys/kernel/kexec_crash_size
  const char* error;        // kernel pr_warn text, "" when none
  std::size_t error_at;     // offset in the command line
};

const char* const v61 = "6.1.0-56-amd64";
const char* const v65 = "6.5.0";
const char* const v68 = "6.8.0-45-generic";
const char* const v612 = "6.12.9";
const char* const v616 = "6.16.3";
constexpr Arch x86 = Arch::x86_64;

const Case k_cases[] = {
    {"simple", v61, x86, k_r2g, "crashkernel=256M", 256 * MiB, 0, 256 * MiB, "", 0},
    {"range_rounds_ram_up", v61, x86, k_r2g, "crashkernel=512M-2G:64M,2G-:128M", 128 * MiB, 0, 128 * MiB, "", 0},
    {"range_first_entry", v61, x86, 1 * GiB, "crashkernel=512M-2G:64M,2G-:128M", 64 * MiB, 0, 64 * MiB, "", 0},
    {"range_1792_below_1800", v61, x86, qemu(1792 * MiB), "crashkernel=1800M-:128M", 0, 0, 0, "", 0},
    {"range_1793_rounds_to_1920", v61, x86, qemu(1793 * MiB), "crashkernel=1800M-:128M", 128 * MiB, 0, 128 * MiB, "", 0},
    {"end_le_start", v61, x86, k_r2g, "crashkernel=2G-1G:64M", 0, 0, 0, "crashkernel: end <= start", 15},
    {"invalid_size_checked_on_every_entry", v61, x86, k_r2g, "crashkernel=1G-2G:64M,2G-:4G", 0, 0, 0, "crashkernel: invalid size", 26},
    {"later_entries_not_validated", v61, x86, k_r2g, "crashkernel=2G-:256M,1G-2G:64G", 256 * MiB, 0, 256 * MiB, "", 0},
    {"junk_after_match_ignored", v61, x86, k_r2g, "crashkernel=1G-:256MB", 256 * MiB, 0, 256 * MiB, "", 0},
    {"garbage_entry_after_match", v61, x86, k_r2g, "crashkernel=2G-:256M,garbage", 256 * MiB, 0, 256 * MiB, "", 0},
    {"octal", v61, x86, k_r2g, "crashkernel=010M", 8 * MiB, 0, 8 * MiB, "", 0},
    {"hex", v61, x86, k_r2g, "crashkernel=0x10M", 16 * MiB, 0, 16 * MiB, "", 0},
    {"bytes", v61, x86, k_r2g, "crashkernel=4096", 4096, 0, 4096, "", 0},
    {"bare_suffix_is_zero", v61, x86, k_r2g, "crashkernel=G", 0, 0, 0, "", 0},
    {"last_wins", v61, x86, k_r2g, "crashkernel=256M crashkernel=128M", 128 * MiB, 0, 128 * MiB, "", 0},
    {"last_wins_even_malformed", v61, x86, k_r2g, "crashkernel=128M crashkernel=junk", 0, 0, 0, "crashkernel: memory value expected", 29},
    {"substring_lookalike", v61, x86, k_r2g, "xcrashkernel=64M", 64 * MiB, 0, 64 * MiB, "", 0},
    {"high_below_4g_no_low", v61, x86, k_r2g, "crashkernel=256M,high", 256 * MiB, 0, 256 * MiB, "", 0},
    {"high_above_4g_low_not_counted_61", v61, x86, qemu(6 * GiB), "crashkernel=256M,high", 256 * MiB, 256 * MiB, 256 * MiB, "", 0},
    {"high_above_4g_low_counted_65", v65, x86, qemu(6 * GiB), "crashkernel=256M,high", 256 * MiB, 256 * MiB, 512 * MiB, "", 0},
    {"plain_overrides_high", v61, x86, k_r2g, "crashkernel=128M crashkernel=256M,high", 128 * MiB, 0, 128 * MiB, "", 0},
    {"zero_plain_falls_to_high_61", v61, x86, k_r2g, "crashkernel=0 crashkernel=256M,high", 256 * MiB, 0, 256 * MiB, "", 0},
    {"zero_plain_rejected_generic", v68, x86, k_r2g, "crashkernel=0 crashkernel=256M,high", 0, 0, 0, "", 0},
    {"bad_plain_falls_to_high_61", v61, x86, k_r2g, "crashkernel=bad crashkernel=256M,high", 256 * MiB, 0, 256 * MiB, "crashkernel: memory value expected", 12},
    {"cma_unknown_on_61", v61, x86, k_r2g, "crashkernel=64M,cma", 0, 0, 0, "crashkernel: unrecognized char: ,", 15},
    {"cma_token_shadows_plain_61", v61, x86, k_r2g, "crashkernel=256M crashkernel=64M,cma", 0, 0, 0, "crashkernel: unrecognized char: ,", 32},
    {"cma_known_616", v616, x86, k_r2g, "crashkernel=256M crashkernel=64M,cma", 256 * MiB, 0, 256 * MiB, "", 0},
    {"too_large_no_area_61", v61, x86, k_r2g, "crashkernel=4G", 0, 0, 0, "", 0},
    {"too_large_rejected_612", v612, x86, k_r2g, "crashkernel=4G", 0, 0, 0, "", 0},
    {"empty_offset_is_auto", v61, x86, k_r2g, "crashkernel=256M@", 256 * MiB, 0, 256 * MiB, "", 0},
    {"junk_after_offset_ignored", v61, x86, k_r2g, "crashkernel=256M@1Gjunk", 256 * MiB, 0, 256 * MiB, "", 0},
    {"range_offset_missing_61", v61, x86, k_r2g, "crashkernel=2G-:128M@", 0, 0, 0, "Memory value expected after '@'", 21},
    {"range_offset_missing_68_typo", v68, x86, k_r2g, "crashkernel=2G-:128M@", 0, 0, 0, "crahskernel: Memory value expected after '@'", 21},
    {"range_offset_missing_616", v616, x86, k_r2g, "crashkernel=2G-:128M@", 0, 0, 0, "crashkernel: Memory value expected after '@'", 21},
    {"range_size_missing_61", v61, x86, k_r2g, "crashkernel=2G-:", 0, 0, 0, "Memory value expected", 16},
    {"range_size_missing_68", v68, x86, k_r2g, "crashkernel=2G-:", 0, 0, 0, "crashkernel: Memory value expected", 16},
    {"dash_expected", v61, x86, k_r2g, "crashkernel=2G:128M", 0, 0, 0, "crashkernel: '-' expected", 14},
    {"no_colon_means_simple", v61, x86, k_r2g, "crashkernel=2G-3G", 0, 0, 0, "crashkernel: unrecognized char: -", 14},
    {"colon_expected", v61, x86, k_r2g, "crashkernel=2G-3Gx:128M", 0, 0, 0, "crashkernel: ':' expected", 17},
    {"start_expected", v61, x86, k_r2g, "crashkernel=-2G:128M", 0, 0, 0, "crashkernel: Memory value expected", 12},
    {"end_expected", v61, x86, k_r2g, "crashkernel=2G-x:128M", 0, 0, 0, "crashkernel: Memory value expected", 15},
    {"tab_is_not_a_separator", v61, x86, k_r2g, "crashkernel=256M\tquiet", 0, 0, 0, "crashkernel: unrecognized char: \t", 16},
    {"auto_upstream", v61, x86, k_r2g, "crashkernel=auto", 0, 0, 0, "crashkernel: memory value expected", 12},
    {"explicit_low", v61, x86, qemu(6 * GiB), "crashkernel=256M,high crashkernel=64M,low", 256 * MiB, 64 * MiB, 256 * MiB, "", 0},
    {"low_zero_disables", v61, x86, qemu(6 * GiB), "crashkernel=256M,high crashkernel=0,low", 256 * MiB, 0, 256 * MiB, "", 0},
    {"bad_low_means_default_61", v61, x86, qemu(6 * GiB), "crashkernel=256M,high crashkernel=x,low", 256 * MiB, 256 * MiB, 256 * MiB, "", 0},
    {"arm64_61_high_no_default_low", "6.1.0-1-arm64", Arch::aarch64, 6 * GiB, "crashkernel=256M,high", 256 * MiB, 0, 256 * MiB, "", 0},
    {"arm64_61_bad_plain_no_fallback", "6.1.0-1-arm64", Arch::aarch64, 6 * GiB, "crashkernel=bad crashkernel=256M,high", 0, 0, 0, "crashkernel: memory value expected", 12},
    {"ppc_ignores_high", "6.1.0-1-powerpc64le", Arch::ppc64le, 8 * GiB, "crashkernel=256M,high", 0, 0, 0, "", 0},
    {"ppc_page_aligns", "6.1.0-1-powerpc64le", Arch::ppc64le, 8 * GiB, "crashkernel=1000000", 1 * MiB, 0, 1 * MiB, "", 0},
    {"s390_rounds_to_1m", "6.1.0-1-s390x", Arch::s390x, 8 * GiB, "crashkernel=1500K", 2 * MiB, 0, 2 * MiB, "", 0},
    {"exact_2g_matches_open_range", v61, x86, 2 * GiB, "crashkernel=512M-2G:64M,2G-:128M", 128 * MiB, 0, 128 * MiB, "", 0},
    {"end_exclusive", v61, x86, 2 * GiB, "crashkernel=1G-2G:64M,2G-4G:128M", 128 * MiB, 0, 128 * MiB, "", 0},
    {"no_match_above", v61, x86, 2 * GiB, "crashkernel=1G-2G:64M", 0, 0, 0, "", 0},
    {"start_inclusive", v61, x86, 2 * GiB, "crashkernel=2G-4G:96M", 96 * MiB, 0, 96 * MiB, "", 0},
    {"no_roundup_before_60", "5.15.0-91-generic", x86, k_r2g, "crashkernel=2G-:128M", 0, 0, 0, "", 0},
    {"matched_zero_size", v61, x86, k_r2g, "crashkernel=2G-:0", 0, 0, 0, "", 0},
    {"empty_line", v61, x86, k_r2g, "", 0, 0, 0, "", 0},
    {"no_token", v61, x86, k_r2g, "quiet splash", 0, 0, 0, "", 0},
    {"generic_high_default_low", v68, x86, qemu(6 * GiB), "crashkernel=256M,high", 256 * MiB, 256 * MiB, 512 * MiB, "", 0},
    {"generic_bad_low_aborts", v68, x86, qemu(6 * GiB), "crashkernel=256M,high crashkernel=x,low", 0, 0, 0, "crashkernel: memory value expected", 34},
    {"generic_unaligned_offset_fails", v68, x86, 4 * GiB, "crashkernel=256M@17M", 0, 0, 0, "", 0},
    {"v61_1m_aligned_offset_ok", v61, x86, 4 * GiB, "crashkernel=256M@17M", 256 * MiB, 0, 256 * MiB, "", 0},
    {"range_with_high_suffix", v61, x86, k_r2g, "crashkernel=2G-:128M,high", 0, 0, 0, "crashkernel: unrecognized char: -", 14},
    {"explicit_zero_offset", v61, x86, k_r2g, "crashkernel=256M crashkernel=512M@0", 512 * MiB, 0, 512 * MiB, "", 0},
    {"wraps_to_zero", v61, x86, k_r2g, "crashkernel=17179869184G", 0, 0, 0, "", 0},
    {"empty_entry", v61, x86, k_r2g, "a crashkernel=1G-2G:64M,,2G-:128M", 0, 0, 0, "crashkernel: Memory value expected", 24},
    {"token_in_middle", v61, x86, k_r2g, "ro quiet crashkernel=384M-:128M splash", 128 * MiB, 0, 128 * MiB, "", 0},
};

class KernelCases : public ::testing::TestWithParam<Case> {};

TEST_P(KernelCases, Outcome) {
  const Case& c = GetParam();
  auto model = model_for_release(c.arch, c.release);
  ASSERT_TRUE(model);
  KernelOutcome o = evaluate_cmdline(c.cmdline, c.ram, *model);
  EXPECT_EQ(o.crash_bytes, c.crash);
  EXPECT_EQ(o.low_bytes, c.low);
  EXPECT_EQ(o.kexec_crash_size(*model), c.kexec);
  if (std::string(c.error).empty()) {
    EXPECT_FALSE(o.error) << o.error->text;
  } else {
    ASSERT_TRUE(o.error);
    EXPECT_EQ(o.error->text, c.error);
    EXPECT_EQ(o.error->offset, c.error_at);
  }
}

INSTANTIATE_TEST_SUITE_P(Kernel, KernelCases, ::testing::ValuesIn(k_cases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(KernelTokens, SubstringSearchAndSpaceOnly) {
  auto t = find_crashkernel_tokens("a=crashkernel=1 crashkernel=2\tx crashkernel=crashkernel=3");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_FALSE(t[0].standalone);
  EXPECT_EQ(t[0].value, "1");
  EXPECT_TRUE(t[1].standalone);
  EXPECT_EQ(t[1].value, "2\tx");
  EXPECT_EQ(t[2].value, "crashkernel=3");  // overlapping matches are found too
  EXPECT_EQ(t[3].value, "3");
}

TEST(KernelModel, ReleasesSelectBehaviour) {
  auto m61 = *model_for_release(Arch::x86_64, "6.1.0-56-amd64");
  EXPECT_FALSE(m61.generic_reservation());
  EXPECT_TRUE(m61.rounds_ram_to_128m());
  EXPECT_FALSE(m61.crash_size_counts_low());
  auto m67 = *model_for_release(Arch::x86_64, "6.7.1");
  EXPECT_TRUE(m67.generic_reservation());
  EXPECT_FALSE(m67.rejects_size_not_below_ram());
  EXPECT_TRUE(model_for_release(Arch::x86_64, "6.12.0")->rejects_size_not_below_ram());
  EXPECT_TRUE(model_for_release(Arch::x86_64, "6.16.0")->knows_cma());
  EXPECT_FALSE(model_for_release(Arch::x86_64, "5.14.0-427.el9.x86_64")->rounds_ram_to_128m());
  EXPECT_FALSE(model_for_release(Arch::x86_64, "linux"));
  EXPECT_FALSE(model_for_release(Arch::x86_64, "6"));
}

}  // namespace
}  // namespace kdump
