// check_next_boot(): "a success means the next boot gets it" on hand-made boot views —
// which token the kernel picks (kernel/crash_reserve.c get_last_crashkernel(): the last
// plain one, ",high" only without a plain one, ",low" only beside ",high"), the verdicts
// and what the error says.
#include <gtest/gtest.h>

#include "core/next_boot_check.hpp"

namespace kdump {
namespace {

constexpr std::uint64_t MiB_ = 1ull << 20;
constexpr std::uint64_t GiB_ = 1ull << 30;

EntryView entry(std::string id, std::optional<std::string> cmdline, std::string kind = "type1",
                std::string release = "6.1.0-13-amd64") {
  EntryView e;
  e.id = id;
  e.path = "/boot/loader/entries/" + id + ".conf";
  e.kind = std::move(kind);
  e.kernel_release = std::move(release);
  e.cmdline = std::move(cmdline);
  if (!e.cmdline) e.cmdline_unknown = "no options line";
  return e;
}

BootView view(std::vector<EntryView> entries, std::optional<std::size_t> next = 0) {
  BootView v;
  v.loader = "bls";
  v.entries = std::move(entries);
  v.next = next;
  v.next_rule = "saved_entry in /boot/grub2/grubenv";
  return v;
}

NextBootInput input(BootView before, BootView after, std::string value) {
  NextBootInput in;
  in.before = std::move(before);
  in.after = std::move(after);
  in.request.action = value.empty() ? ReserveRequest::Action::remove : ReserveRequest::Action::set;
  in.request.value = std::move(value);
  in.arch = Arch::x86_64;
  in.memory = 8 * GiB_;
  in.memory_source = "--memory";
  return in;
}

TEST(NextBootPick, TheKernelsToken) {
  auto m = *model_for_release(Arch::x86_64, "6.1.0-13-amd64");
  EXPECT_EQ(picked_crashkernel("crashkernel=1G,high crashkernel=256M", m, 8 * GiB_), "256M");
  EXPECT_EQ(picked_crashkernel("crashkernel=256M crashkernel=512M quiet", m, 8 * GiB_), "512M");
  EXPECT_EQ(picked_crashkernel("crashkernel=1G,high crashkernel=128M,low", m, 8 * GiB_), "1G,high");
  EXPECT_EQ(picked_crashkernel("crashkernel=1G,high crashkernel=128M,low", m, 8 * GiB_, "low"), "128M,low");
  EXPECT_EQ(picked_crashkernel("root=/dev/vda quiet", m, 8 * GiB_), std::nullopt);
}

TEST(NextBootCheck, ReachesAndSaysWhatItReserves) {
  auto r = check_next_boot(input(view({entry("a", "root=/dev/vda crashkernel=512M"), entry("b", "root=/dev/vda")}),
                                 view({entry("a", "root=/dev/vda crashkernel=256M"), entry("b", "root=/dev/vda")}),
                                 "256M"));
  EXPECT_EQ(r.verdict, NextBootVerdict::reaches);
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_TRUE(r.entries[0].next_boot);
  EXPECT_TRUE(r.entries[0].targeted);
  EXPECT_EQ(r.entries[0].crashkernel_before, "512M");
  EXPECT_EQ(r.entries[0].crashkernel_after, "256M");
  EXPECT_EQ(r.entries[0].reserves_bytes_after, 256 * MiB_);
  EXPECT_EQ(r.entries[0].model, "6.1 x86_64");
  EXPECT_FALSE(r.entries[1].targeted);
  EXPECT_EQ(r.entries[1].reserves_bytes_after, 0u);
  EXPECT_NE(r.message.find("'a'"), std::string::npos) << r.message;
}

TEST(NextBootCheck, ALaterValueOnTheDefaultEntryRefuses) {
  auto in = input(view({entry("a", "crashkernel=512M")}),
                  view({entry("a", "root=/dev/vda crashkernel=256M crashkernel=512M")}), "256M");
  in.request.kernel.kind = KernelSelection::Kind::default_entry;
  auto r = check_next_boot(in);
  ASSERT_EQ(r.verdict, NextBootVerdict::does_not_reach);
  EXPECT_TRUE(r.refused());
  EXPECT_EQ(r.entries[0].crashkernel_after, "512M");
  EXPECT_FALSE(r.entries[0].carries_intended);
  Error e = next_boot_error(r, in.request);
  EXPECT_EQ(e.kind, ErrorKind::unsupported);  // exit 3
  EXPECT_NE(e.message.find("'a'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("crashkernel=512M, not crashkernel=256M"), std::string::npos) << e.message;
  bool all_hint = false;
  for (const auto& h : e.hints) all_hint = all_hint || h == "kdump-setup reserve --kernel all '256M'";
  EXPECT_TRUE(all_hint);
}

TEST(NextBootCheck, AUkiWhoseCommandLineSetsAnotherValueAfterOurs) {
  auto uki = [](std::string cmd) { return entry("arch-linux.efi", std::move(cmd), "uki", "6.12.1-arch1-1"); };
  auto r = check_next_boot(input(view({uki("rw crashkernel=512M")}),
                                 view({uki("rw crashkernel=256M crashkernel=512M")}), "256M"));
  ASSERT_TRUE(r.refused());
  EXPECT_NE(r.message.find("'arch-linux.efi'"), std::string::npos);
  EXPECT_NE(r.message.find("unified kernel image"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("sets crashkernel=512M after it"), std::string::npos) << r.message;
}

TEST(NextBootCheck, LowCountsOnlyBesideHigh) {
  auto refused = check_next_boot(input(view({entry("a", "crashkernel=256M")}),
                                       view({entry("a", "crashkernel=256M crashkernel=128M,low")}), "128M,low"));
  ASSERT_TRUE(refused.refused());
  EXPECT_NE(refused.message.find("reads ,low only beside a ,high value"), std::string::npos) << refused.message;
  auto ok = check_next_boot(input(view({entry("a", "crashkernel=1G,high")}),
                                  view({entry("a", "crashkernel=1G,high crashkernel=128M,low")}), "128M,low"));
  EXPECT_EQ(ok.verdict, NextBootVerdict::reaches);
  EXPECT_EQ(ok.entries[0].reserves_bytes_after, 1 * GiB_ + 128 * MiB_);
}

TEST(NextBootCheck, NoEntryYetDependsOnWhatFutureKernelsGet) {
  BootView before = view({}, std::nullopt), after = view({}, std::nullopt);
  after.loader = before.loader = "grub2";
  after.future.push_back({"/etc/default/grub", "GRUB_CMDLINE_LINUX", "quiet crashkernel=256M", ""});
  auto r = check_next_boot(input(before, after, "256M"));
  EXPECT_EQ(r.verdict, NextBootVerdict::unknown);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("cannot be known"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("kernels installed later get crashkernel=256M"), std::string::npos) << r.warnings[0];
  after.future[0].cmdline = "quiet crashkernel=256M crashkernel=1G";
  EXPECT_TRUE(check_next_boot(input(before, after, "256M")).refused());
}

TEST(NextBootCheck, UnknownCommandLineIsNeverAClaim) {
  auto r = check_next_boot(input(view({entry("a", std::nullopt)}), view({entry("a", std::nullopt)}), "256M"));
  EXPECT_EQ(r.verdict, NextBootVerdict::unknown);
  EXPECT_FALSE(r.entries[0].known_after);
  EXPECT_NE(r.message.find("no options line"), std::string::npos) << r.message;
}

TEST(NextBootCheck, RemoveRefusesWhatStaysButNotAnImagesOwnValue) {
  auto left = check_next_boot(input(view({entry("a", "crashkernel=256M")}), view({entry("a", "crashkernel=256M")}), ""));
  EXPECT_TRUE(left.refused());
  EXPECT_NE(left.message.find("would still boot with crashkernel=256M"), std::string::npos) << left.message;
  auto uki = [](std::string cmd) { return entry("linux.efi", std::move(cmd), "uki", "6.12.1"); };
  auto image = check_next_boot(input(view({uki("rw crashkernel=512M crashkernel=256M")}),
                                     view({uki("rw crashkernel=512M")}), ""));
  EXPECT_EQ(image.verdict, NextBootVerdict::reaches);
  ASSERT_FALSE(image.warnings.empty());
  EXPECT_NE(image.warnings[0].find("still boots with crashkernel=512M"), std::string::npos) << image.warnings[0];
  auto gone = check_next_boot(input(view({entry("a", "crashkernel=256M")}), view({entry("a", "quiet")}), ""));
  EXPECT_EQ(gone.verdict, NextBootVerdict::reaches);
  EXPECT_TRUE(gone.entries[0].carries_intended);
}

TEST(NextBootCheck, OneReleaseChecksItsEntriesAndSaysTheNextBootDiffers) {
  BootView after = view({entry("new", "root=/dev/vda", "type1", "6.12.0"), entry("old", "crashkernel=256M", "type1", "6.1.0")});
  auto in = input(after, after, "256M");
  in.request.kernel = {KernelSelection::Kind::release, "6.1.0"};
  auto r = check_next_boot(in);
  EXPECT_EQ(r.verdict, NextBootVerdict::reaches);
  EXPECT_FALSE(r.entries[0].targeted);
  EXPECT_TRUE(r.entries[1].targeted);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.back().find("'new'"), std::string::npos) << r.warnings.back();
}

TEST(NextBootCheck, RamOrReleaseUnknownLeavesReservesNullWithTheReason) {
  auto in = input(view({entry("a", "crashkernel=256M", "uki", "")}), view({entry("a", "crashkernel=256M", "uki", "")}), "256M");
  auto r = check_next_boot(in);
  EXPECT_EQ(r.verdict, NextBootVerdict::reaches);
  EXPECT_EQ(r.entries[0].reserves_bytes_after, std::nullopt);
  EXPECT_EQ(r.entries[0].reserves_why, "its kernel release is unknown");
  in.after.entries[0].kernel_release = "6.12.1";
  in.memory.reset();
  r = check_next_boot(in);
  EXPECT_EQ(r.entries[0].reserves_bytes_after, std::nullopt);
  EXPECT_NE(r.entries[0].reserves_why.find("--memory"), std::string::npos);
}

TEST(NextBootCheck, AnUncertainNextBootIsSaid) {
  BootView after = view({entry("a", "crashkernel=256M")});
  after.next_uncertain = "the EFI variables are not readable here";
  auto r = check_next_boot(input(after, after, "256M"));
  EXPECT_EQ(r.verdict, NextBootVerdict::reaches);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("EFI variables"), std::string::npos);
}

}  // namespace
}  // namespace kdump
