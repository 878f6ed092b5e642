// crashkernel=auto on RHEL 7/8 kernels (grammar/src/kernel_rhel_auto.cpp).
// RHEL 7: kernel/kexec.c arch_default_crash_size() of the RHEL 7 tree (OpenVZ/vzkernel
// 0495ee1dd0a0, "2 bits per 4K page" on top of KEXEC_AUTO_RESERVED_SIZE, 1 MiB granules)
// with the RHEL 7 Kernel Crash Dump Guide's figures (x86_64: >= 2 GB, 161 MB + 64 MB
// per TB; s390x from 4 GB; ppc64 2-4 GB 256 MB ... >= 128 GB 4 GB).
// RHEL 8: kernel/crash_core.c __parse_crashkernel() of CentOS Stream 8: "auto" becomes
// "1G-4G:160M,4G-64G:192M,64G-1T:256M,1T-:512M" (x86_64, s390x), "2G-:448M" (arm64),
// "2G-4G:384M,4G-16G:512M,16G-64G:1G,64G-128G:2G,128G-:4G" (ppc64).
#include <gtest/gtest.h>

#include "core/explain.hpp"
#include "grammar/kernel.hpp"

namespace kdump {
namespace {

constexpr std::uint64_t MiB_ = 1ull << 20;
constexpr std::uint64_t GiB_ = 1ull << 30;
constexpr std::uint64_t TiB_ = 1ull << 40;

KernelOutcome run(std::string_view cmdline, std::uint64_t ram, Arch arch, std::string_view release) {
  auto m = model_for_release(arch, release);
  EXPECT_TRUE(m.has_value());
  return evaluate_cmdline(cmdline, ram, *m);
}

TEST(GrammarRhelAuto, ReleasesAreRecognised) {
  EXPECT_EQ(model_for_release(Arch::x86_64, "3.10.0-1160.el7.x86_64")->rhel, 7);
  EXPECT_EQ(model_for_release(Arch::x86_64, "4.18.0-553.el8_10.x86_64")->rhel, 8);
  EXPECT_EQ(model_for_release(Arch::x86_64, "5.14.0-427.el9.x86_64")->rhel, 0);  // RHEL 9: gone
  EXPECT_EQ(model_for_release(Arch::x86_64, "4.18.0-1-generic")->rhel, 0);
  EXPECT_EQ(model_for_release(Arch::x86_64, "3.10.0-1160.el7.x86_64")->label(), "3.10 x86_64 RHEL 7");
}

TEST(GrammarRhelAuto, Rhel7X86Formula) {
  const char* rel = "3.10.0-1160.el7.x86_64";
  // 160M + roundup((2G - 160M) / 16K, 1M) = 161 MiB: the guide's "161 MB" at 2 GB.
  EXPECT_EQ(run("crashkernel=auto", 2 * GiB_, Arch::x86_64, rel).crash_bytes, 161 * MiB_);
  // + 64 MiB per TiB: 1 TiB gives 224 MiB.
  EXPECT_EQ(run("crashkernel=auto", 1 * TiB_, Arch::x86_64, rel).crash_bytes, 224 * MiB_);
  // The threshold compares RAM rounded up to 128 MiB: 1920 MiB + a bit counts as 2 GiB.
  EXPECT_TRUE(run("crashkernel=auto", 2 * GiB_ - 100 * MiB_, Arch::x86_64, rel).reserves());
  auto small = run("crashkernel=auto", 1 * GiB_, Arch::x86_64, rel);
  EXPECT_FALSE(small.reserves());
  ASSERT_TRUE(small.error.has_value());
  EXPECT_EQ(small.error->text, "crashkernel=auto resulted in zero bytes of reserved memory.");
}

TEST(GrammarRhelAuto, Rhel7OtherArches) {
  const char* rel = "3.10.0-1160.el7.ppc64le";
  EXPECT_EQ(run("crashkernel=auto", 3 * GiB_, Arch::ppc64le, rel).crash_bytes, 256 * MiB_);
  EXPECT_EQ(run("crashkernel=auto", 16 * GiB_, Arch::ppc64le, rel).crash_bytes, 512 * MiB_);
  EXPECT_EQ(run("crashkernel=auto", 48 * GiB_, Arch::ppc64le, rel).crash_bytes, 1 * GiB_);
  EXPECT_EQ(run("crashkernel=auto", 256 * GiB_, Arch::ppc64le, rel).crash_bytes, 4 * GiB_);
  // s390x: the x86_64 formula from 4 GB.
  EXPECT_FALSE(run("crashkernel=auto", 3 * GiB_, Arch::s390x, "3.10.0-1160.el7.s390x").reserves());
  EXPECT_EQ(run("crashkernel=auto", 4 * GiB_, Arch::s390x, "3.10.0-1160.el7.s390x").crash_bytes, 161 * MiB_);
}

TEST(GrammarRhelAuto, Rhel8Tables) {
  const char* x86 = "4.18.0-553.el8_10.x86_64";
  EXPECT_EQ(run("crashkernel=auto", 2 * GiB_, Arch::x86_64, x86).crash_bytes, 160 * MiB_);
  EXPECT_EQ(run("crashkernel=auto", 16 * GiB_, Arch::x86_64, x86).crash_bytes, 192 * MiB_);
  EXPECT_EQ(run("crashkernel=auto", 128 * GiB_, Arch::x86_64, x86).crash_bytes, 256 * MiB_);
  EXPECT_EQ(run("crashkernel=auto", 2 * TiB_, Arch::x86_64, x86).crash_bytes, 512 * MiB_);
  auto o = run("crashkernel=auto", 2 * GiB_, Arch::x86_64, x86);
  ASSERT_FALSE(o.info.empty());
  EXPECT_EQ(o.info[0].text, "Using crashkernel=auto, the size chosen is a best effort estimation.");
  EXPECT_EQ(run("crashkernel=auto", 8 * GiB_, Arch::aarch64, "4.18.0-553.el8_10.aarch64").crash_bytes, 448 * MiB_);
  EXPECT_EQ(run("crashkernel=auto", 8 * GiB_, Arch::ppc64le, "4.18.0-553.el8_10.ppc64le").crash_bytes, 512 * MiB_);
  // Below the table's first range: parse_crashkernel_mem()'s "zero bytes".
  auto tiny = run("crashkernel=auto", 512 * MiB_, Arch::x86_64, x86);
  EXPECT_FALSE(tiny.reserves());
  // arm64 below 2 GiB: 448M >= RAM is parse_crashkernel_mem()'s "invalid size".
  auto arm = run("crashkernel=auto", 384 * MiB_, Arch::aarch64, "4.18.0-553.el8_10.aarch64");
  ASSERT_TRUE(arm.error.has_value());
  EXPECT_EQ(arm.error->text, "crashkernel: invalid size");
  EXPECT_EQ(arm.error->offset, 12u);  // points at "auto", not into the hidden table
}

TEST(GrammarRhelAuto, OnlyOnThoseKernelsAndOnlyThePlainToken) {
  // Upstream and RHEL 9 kernels reject it.
  auto up = run("crashkernel=auto", 4 * GiB_, Arch::x86_64, "5.14.0-427.el9.x86_64");
  ASSERT_TRUE(up.error.has_value());
  EXPECT_EQ(up.error->text, "crashkernel: memory value expected");
  // The last token wins as ever: a later explicit value overrides auto.
  EXPECT_EQ(run("crashkernel=auto crashkernel=256M", 4 * GiB_, Arch::x86_64, "4.18.0-553.el8_10.x86_64")
                .crash_bytes, 256 * MiB_);
}

TEST(GrammarRhelAuto, ExplainDoesNotCallItUpstreamOnly) {
  auto m = model_for_release(Arch::x86_64, "4.18.0-553.el8_10.x86_64");
  Explanation x = explain_cmdline("crashkernel=auto", 12, 16 * GiB_, "4.18.0-553.el8_10.x86_64", *m);
  EXPECT_TRUE(x.valid());
  for (const auto& w : x.warnings) EXPECT_EQ(w.find("upstream kernels reject it"), std::string::npos) << w;
}

}  // namespace
}  // namespace kdump
