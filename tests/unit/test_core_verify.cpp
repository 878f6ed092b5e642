// verify(): the decision between the six statuses (docs/contract.md §3-§5) on values, and the
// parsers of the crash state (arch/powerpc/kexec/core.c inserts no crashk_res resource).
#include <gtest/gtest.h>

#include "core/crash_state.hpp"
#include "core/verify.hpp"

namespace kdump {
namespace {

constexpr std::uint64_t MiB_ = 1ull << 20;
constexpr std::uint64_t GiB_ = 1ull << 30;

VerifyInput machine(std::string cmdline, std::optional<std::string> configured,
                    std::optional<std::uint64_t> crash_size, std::uint64_t ram = 4 * GiB_) {
  VerifyInput in;
  in.backend = "grub2";
  in.configured = std::move(configured);
  in.running_cmdline = std::move(cmdline);
  in.kernel_release = "6.1.0-56-amd64";
  in.memory_bytes = ram;
  in.model = model_for_release(Arch::x86_64, in.kernel_release);
  if (crash_size) in.crash.crash_size = Fact<std::uint64_t>{*crash_size, "/sys/kernel/kexec_crash_size"};
  in.crash.loaded = Fact<bool>{true, "/sys/kernel/kexec_crash_loaded"};
  return in;
}

TEST(CoreVerify, OkWhenReservedMatchesTheValue) {
  auto r = verify(machine("root=/dev/vda crashkernel=256M", "256M", 256 * MiB_));
  EXPECT_EQ(r.status, VerifyStatus::ok);
  EXPECT_EQ(r.expected_bytes, 256 * MiB_);
  EXPECT_EQ(r.running, "256M");
  EXPECT_EQ(status_name(r.status), "ok");
}

// ok is "reserved as configured"; only require_loaded turns a missing capture kernel
// into not-loaded, and only on top of ok: other statuses keep their meaning.
TEST(CoreVerify, RequireLoadedGatesOnKexecCrashLoaded) {
  auto in = machine("crashkernel=256M", "256M", 256 * MiB_);
  in.crash.loaded = Fact<bool>{false, "/sys/kernel/kexec_crash_loaded"};
  auto reserved = verify(in);
  EXPECT_EQ(reserved.status, VerifyStatus::ok);
  EXPECT_FALSE(is_ready(reserved));
  in.require_loaded = true;
  auto gated = verify(in);
  EXPECT_EQ(gated.status, VerifyStatus::not_loaded);
  EXPECT_EQ(status_name(gated.status), "not-loaded");
  EXPECT_NE(gated.message.find("no crash kernel is loaded"), std::string::npos) << gated.message;
  in.crash.loaded.reset();
  EXPECT_EQ(verify(in).status, VerifyStatus::not_loaded);
  in.crash.loaded = Fact<bool>{true, "/sys/kernel/kexec_crash_loaded"};
  auto ready = verify(in);
  EXPECT_EQ(ready.status, VerifyStatus::ok);
  EXPECT_TRUE(is_ready(ready));
  // A pending reboot stays pending-reboot, loaded or not.
  auto pending = machine("crashkernel=256M", "512M", 256 * MiB_);
  pending.require_loaded = true;
  pending.crash.loaded = Fact<bool>{false, "/sys/kernel/kexec_crash_loaded"};
  EXPECT_EQ(verify(pending).status, VerifyStatus::pending_reboot);
}

TEST(CoreVerify, RangesAreEvaluatedForThisRam) {
  auto r = verify(machine("crashkernel=512M-2G:64M,2G-:128M", "512M-2G:64M,2G-:128M", 128 * MiB_));
  EXPECT_EQ(r.status, VerifyStatus::ok);
  auto wrong = verify(machine("crashkernel=512M-2G:64M,2G-:128M", "512M-2G:64M,2G-:128M", 64 * MiB_));
  EXPECT_EQ(wrong.status, VerifyStatus::mismatch);
}

TEST(CoreVerify, NoRangeMatchesIsNotReservedAndSaysTheRoundedRam) {
  auto r = verify(machine("crashkernel=8G-:512M", "8G-:512M", 0, 4 * GiB_ - 400 * 1024));
  EXPECT_EQ(r.status, VerifyStatus::not_reserved);
  EXPECT_NE(r.message.find("no range"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("4 GiB as the kernel rounds"), std::string::npos) << r.message;
}

TEST(CoreVerify, RejectedValueCarriesTheKernelMessageAndTheLog) {
  auto in = machine("crashkernel=2G-1G:64M", "2G-1G:64M", 0);
  in.crash.log_lines = {"crashkernel: end <= start"};
  in.crash.log_source = "kernel log";
  auto r = verify(in);
  EXPECT_EQ(r.status, VerifyStatus::not_reserved);
  EXPECT_NE(r.message.find("rejected"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("end <= start"), std::string::npos) << r.message;
}

TEST(CoreVerify, TooLargeSaysSo) {
  auto r = verify(machine("crashkernel=8G", "8G", 0));
  EXPECT_EQ(r.status, VerifyStatus::not_reserved);
  EXPECT_NE(r.message.find("too large"), std::string::npos) << r.message;
}

TEST(CoreVerify, OffsetInUse) {
  auto r = verify(machine("crashkernel=256M@1G", "256M@1G", 0));
  EXPECT_EQ(r.status, VerifyStatus::not_reserved);
  EXPECT_NE(r.message.find("in use"), std::string::npos) << r.message;
}

TEST(CoreVerify, ShrunkAtRuntimeIsAMismatch) {
  auto r = verify(machine("crashkernel=256M", "256M", 128 * MiB_));
  EXPECT_EQ(r.status, VerifyStatus::mismatch);
  EXPECT_NE(r.message.find("shrunk"), std::string::npos) << r.message;
  EXPECT_EQ(r.reserved_bytes, 128 * MiB_);
}

TEST(CoreVerify, PendingRebootWhenTheNextBootDiffers) {
  EXPECT_EQ(verify(machine("crashkernel=256M", "384M", 256 * MiB_)).status, VerifyStatus::pending_reboot);
  EXPECT_EQ(verify(machine("root=/dev/vda", "256M", 0)).status, VerifyStatus::pending_reboot);
  EXPECT_EQ(verify(machine("crashkernel=256M", std::nullopt, 256 * MiB_)).status,
            VerifyStatus::pending_reboot);
}

TEST(CoreVerify, NoBackendJudgesTheRunningKernelAlone) {
  auto in = machine("crashkernel=256M", std::nullopt, 256 * MiB_);
  in.backend.clear();
  auto r = verify(in);
  EXPECT_EQ(r.status, VerifyStatus::ok);
  EXPECT_FALSE(r.configured.has_value());
}

TEST(CoreVerify, NotConfigured) {
  auto r = verify(machine("root=/dev/vda", std::nullopt, 0));
  EXPECT_EQ(r.status, VerifyStatus::not_configured);
  EXPECT_EQ(status_name(r.status), "not-configured");
}

TEST(CoreVerify, UnsupportedWithoutKexec) {
  auto in = machine("crashkernel=256M", "256M", std::nullopt);
  in.crash.loaded.reset();
  auto r = verify(in);
  EXPECT_EQ(r.status, VerifyStatus::unsupported);
  EXPECT_EQ(status_name(r.status), "unsupported");
}

TEST(CoreVerify, RegionsMustAddUpToMainPlusLow) {
  auto in = machine("crashkernel=512M,high", "512M,high", 512 * MiB_, 8 * GiB_);
  in.crash.regions = std::vector<CrashRegion>{{0x10000000, 0x1fffffff}, {0x160000000, 0x17fffffff}};
  EXPECT_EQ(verify(in).status, VerifyStatus::ok);
  in.crash.regions = std::vector<CrashRegion>{{0x160000000, 0x17fffffff}};
  EXPECT_EQ(verify(in).status, VerifyStatus::mismatch);
}

TEST(CoreVerify, PowerHasNoIomemRegions) {
  auto in = machine("crashkernel=1G", "1G", 1 * GiB_, 16 * GiB_);
  in.model = model_for_release(Arch::ppc64le, "6.1.0-56-powerpc64le");
  ASSERT_TRUE(in.model);
  in.crash.regions = std::vector<CrashRegion>{};
  EXPECT_EQ(verify(in).status, VerifyStatus::ok) << verify(in).message;
  in.model = model_for_release(Arch::x86_64, "6.1.0-56-amd64");
  EXPECT_EQ(verify(in).status, VerifyStatus::mismatch);
}

TEST(CrashState, RegionsFromIomem) {
  auto r = crash_regions_from_iomem(
      "00001000-0009fbff : System RAM\n00100000-bfffffff : System RAM\n"
      "  10000000-1fffffff : Crash kernel\n100000000-17fffffff : System RAM\n"
      "  160000000-17fffffff : Crash kernel\n");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].bytes(), 256 * MiB_);
  EXPECT_EQ((*r)[1].start, 0x160000000u);
  EXPECT_FALSE(crash_regions_from_iomem("00000000-00000000 : System RAM\n"
                                        "  00000000-00000000 : Crash kernel\n"));
  auto none = crash_regions_from_iomem("00100000-bfffffff : System RAM\n");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(CrashState, LogLinesWithoutPrefixes) {
  auto l = crashkernel_log_lines(
      "<6>[    0.000000] Command line: root=/dev/vda crashkernel=8G\n"
      "<4>[    0.004000] crashkernel reservation failed - No suitable area found.\n"
      "[    0.004100] Reserving 256MB of memory at 3824MB for crashkernel (System RAM: 4095MB)\n"
      "<6>[    0.1] unrelated\n");
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], "crashkernel reservation failed - No suitable area found.");
  EXPECT_EQ(l[1].substr(0, 9), "Reserving");
}

// pending-reboot is a claim about the next boot: without a known next entry a
// difference is next-boot-unknown, and the message names the entry when known.
TEST(CoreVerify, PendingRebootOnlyWhenTheNextBootIsKnown) {
  auto in = machine("crashkernel=256M", "384M", 256 * MiB_);
  in.next_boot_entry = "simple";
  auto known = verify(in);
  EXPECT_EQ(known.status, VerifyStatus::pending_reboot);
  EXPECT_NE(known.message.find("entry 'simple' boots next"), std::string::npos) << known.message;
  in.next_boot_known = false;
  in.next_boot_unknown = "no grub2 boot entry exists (no kernel installed?)";
  auto unknown = verify(in);
  EXPECT_EQ(unknown.status, VerifyStatus::next_boot_unknown);
  EXPECT_EQ(status_name(unknown.status), "next-boot-unknown");
  EXPECT_NE(unknown.message.find("no kernel installed"), std::string::npos) << unknown.message;
  // The same value as the running one: the running kernel is judged, the doubt is a detail.
  in.configured = "256M";
  auto same = verify(in);
  EXPECT_EQ(same.status, VerifyStatus::ok);
  bool said = false;
  for (const auto& d : same.details) said = said || d.find("next boot's value is unknown") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(CoreVerify, AnOfflineImageIsNotAKernelWithoutKexec) {
  VerifyInput in;
  in.backend = "systemd-boot";
  in.configured = "512M";
  in.next_boot_entry = "arch-linux.efi";
  in.offline_image = true;
  auto r = verify(in);
  EXPECT_EQ(r.status, VerifyStatus::offline_image);
  EXPECT_EQ(status_name(r.status), "offline-image");
  EXPECT_EQ(r.message.find("kexec crash support"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("'arch-linux.efi', carries crashkernel=512M"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace kdump
